"""The conversation as an explicit state table (house rule 6).

A session's *stage* is derived from its status and the node it is on. ``ALLOWED`` lists, for every stage, the
button actions that make sense there; anything else is refused with a clear message and changes nothing.
Unknown stages fail loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from bot.engine.events import ActionId
from bot.engine.model import Session, SessionStatus
from bot.flows.model import Flow, NodeType, VerificationType


class Stage(StrEnum):
    """Where a session is in its conversation."""

    AWAIT_INTAKE = "await_intake"  # procedural flow whose intake form ([VAR:name] values) is not filled yet
    AWAIT_CHOICE = "await_choice"  # decision node: pick an option
    AWAIT_DONE = "await_done"  # action / procedure step: done or skipped
    AWAIT_VALUE = "await_value"  # procedure step with text-input verification
    AT_SOLUTION = "at_solution"  # solution leaf: resolve, go back, or return to the parent flow
    AT_END = "at_end"  # procedure end / maintenance run complete: finish
    CUSTOM = "custom"  # a custom step added during the run
    PAUSED = "paused"
    CLOSED = "closed"


_ALWAYS = {ActionId.PAUSE, ActionId.RESOLVE, ActionId.ABANDON, ActionId.CONFIRM_ABANDON, ActionId.CANCEL}

ALLOWED: dict[Stage, frozenset[ActionId]] = {
    Stage.AWAIT_INTAKE: frozenset({ActionId.ENTER_VALUE, *_ALWAYS}),
    Stage.AWAIT_CHOICE: frozenset({ActionId.CHOOSE, ActionId.BACK, *_ALWAYS}),
    Stage.AWAIT_DONE: frozenset({ActionId.DONE, ActionId.BACK, ActionId.SKIP_TARGET, *_ALWAYS}),
    Stage.AWAIT_VALUE: frozenset({ActionId.ENTER_VALUE, ActionId.DONE, ActionId.BACK, ActionId.SKIP_TARGET, *_ALWAYS}),
    Stage.AT_SOLUTION: frozenset({ActionId.BACK, ActionId.SUBFLOW_RETURN, *_ALWAYS}),
    Stage.AT_END: frozenset({ActionId.BACK, ActionId.SKIP_TARGET, *_ALWAYS}),
    Stage.CUSTOM: frozenset({ActionId.DONE, *_ALWAYS}),
    Stage.PAUSED: frozenset({ActionId.RESUME, ActionId.ABANDON, ActionId.CONFIRM_ABANDON, ActionId.CANCEL}),
    Stage.CLOSED: frozenset(),
}

_NODE_STAGE: dict[NodeType, Stage] = {
    NodeType.DECISION: Stage.AWAIT_CHOICE,
    NodeType.ACTION: Stage.AWAIT_DONE,
    NodeType.SOLUTION: Stage.AT_SOLUTION,
    NodeType.PROCEDURE_STEP: Stage.AWAIT_DONE,
    NodeType.PROCEDURE_END: Stage.AT_END,
}


def stage_of(session: Session, flow: Flow | None) -> Stage:
    """The stage a session is in. Raises ``RuntimeError`` for a state the table does not know."""
    if session.status is SessionStatus.PAUSED:
        return Stage.PAUSED
    if session.status is not SessionStatus.ACTIVE:
        return Stage.CLOSED
    if session.custom_step:
        return Stage.CUSTOM
    if flow is None or not session.current_node:
        return Stage.AT_END
    if missing_variables(session.variables, flow):
        return Stage.AWAIT_INTAKE
    node = flow.node(session.current_node)
    if node.type is NodeType.PROCEDURE_STEP and node.verification_type is VerificationType.TEXT_INPUT:
        return Stage.AWAIT_VALUE
    stage = _NODE_STAGE.get(node.type)
    if stage is None:
        raise RuntimeError(f"session {session.id} rests on node {node.id!r} of type {node.type}, which has no stage")
    return stage


def missing_variables(values: Mapping[str, str], flow: Flow) -> list[str]:
    """Required intake fields of the flow that have no value in ``values``."""
    return [v.name for v in flow.variables if v.required and not values.get(v.name, "").strip()]


def allows(stage: Stage, action: ActionId) -> bool:
    """True if ``action`` is valid in ``stage``."""
    return action in ALLOWED[stage]

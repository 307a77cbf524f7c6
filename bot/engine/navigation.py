"""Moving a session through its flow: answering a step, entering and leaving sub-flows, targets, going back.

These functions change the ``Session`` in memory and record timeline entries; the caller saves the session.
"""

from __future__ import annotations

import json

from bot.engine import texts
from bot.engine.context import Ctx, UserError
from bot.engine.model import FlowFrame, Session, TimelineKind
from bot.flows import runner
from bot.flows.model import Flow, FlowKind, NodeType

MAX_SUBFLOW_DEPTH = 5


def snapshot(session: Session) -> str:
    """Encode where the session is, so ``back`` can return exactly here."""
    return json.dumps(
        {
            "f": session.flow_key,
            "v": session.flow_version,
            "n": session.current_node,
            "t": session.target_index,
            "d": list(session.targets_done),
            "s": [[fr.flow_key, fr.flow_version, fr.return_node] for fr in session.flow_stack],
        },
        separators=(",", ":"),
    )


def restore(session: Session, encoded: str) -> None:
    """Put the session back where ``snapshot`` found it."""
    data = json.loads(encoded)
    session.flow_key = str(data["f"])
    session.flow_version = int(data["v"])
    session.current_node = str(data["n"])
    session.target_index = int(data["t"])
    session.targets_done = [str(x) for x in data["d"]]
    session.flow_stack = [FlowFrame(str(k), int(v), str(r)) for k, v, r in data["s"]]


async def move_to(ctx: Ctx, session: Session, flow: Flow, node_id: str | None) -> Flow:
    """Make ``node_id`` of ``flow`` the current node, entering sub-flows and wrapping maintenance targets.

    Returns the flow the session ends up in (a sub-flow changes it).
    """
    for _ in range(MAX_SUBFLOW_DEPTH + len(flow.nodes) + 1):
        if node_id is None:
            session.current_node = ""
            return flow
        node = flow.node(node_id)
        if node.type is NodeType.SECTION_HEADER:
            later = flow.nodes[flow.index_of(node_id) + 1 :]
            node_id = next((n.id for n in later if n.type is not NodeType.SECTION_HEADER), None)
            continue
        if node.type is NodeType.SUBFLOW:
            flow, node_id = await _enter_subflow(ctx, session, flow, node.id)
            continue
        if node.type is NodeType.PROCEDURE_END and flow.kind is FlowKind.MAINTENANCE:
            node_id = await _finish_target(ctx, session, flow, node_id)
            if node_id != flow.first:
                session.current_node = node_id
                return flow
            continue
        session.current_node = node_id
        return flow
    raise UserError(f"Sub-flows nest deeper than {MAX_SUBFLOW_DEPTH} levels in {flow.key!r}; fix the flow.")


async def _enter_subflow(ctx: Ctx, session: Session, flow: Flow, node_id: str) -> tuple[Flow, str]:
    node = flow.node(node_id)
    if len(session.flow_stack) >= MAX_SUBFLOW_DEPTH:
        raise UserError(f"Sub-flows nest deeper than {MAX_SUBFLOW_DEPTH} levels; fix the flow {flow.key!r}.")
    child = await ctx.uow.flows.get(ctx.team_id, node.flow)
    if child is None:
        raise UserError(f"This flow links to the sub-flow `{node.flow}`, which is not in the library.")
    session.flow_stack.append(FlowFrame(flow.key, flow.version, node.next or ""))
    session.flow_key, session.flow_version = child.key, child.version
    await ctx.record(
        session, TimelineKind.SUBFLOW_ENTERED, node_id=node.id, title=child.name, detail={"flow": child.key}
    )
    return child, child.first


async def _finish_target(ctx: Ctx, session: Session, flow: Flow, end_node: str) -> str:
    """A maintenance target reached its end: count it and go to the next target, or stay on the end."""
    label = flow.targets[session.target_index].label if session.target_index < len(flow.targets) else ""
    if label and label not in session.targets_done:
        session.targets_done.append(label)
    return await next_target(ctx, session, flow, end_node)


async def next_target(ctx: Ctx, session: Session, flow: Flow, end_node: str) -> str:
    """Advance to the next target's first step; past the last target, rest on the end step."""
    if session.target_index + 1 < len(flow.targets):
        session.target_index += 1
        return flow.first
    session.target_index = len(flow.targets)
    return end_node


def next_after(flow: Flow, session: Session, choice: str | None) -> str | None:
    """The node that follows the current one for this answer."""
    node = flow.node(session.current_node)
    if flow.kind is FlowKind.TROUBLESHOOTING:
        try:
            return runner.next_node(flow, node.id, choice)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    return runner.next_step(flow, node.id)


def end_node(flow: Flow) -> str:
    """The procedure_end step of a checklist flow ("" if none)."""
    for node in flow.nodes:
        if node.type is NodeType.PROCEDURE_END:
            return node.id
    return ""


async def go_back(ctx: Ctx, session: Session) -> None:
    """Return to the previous step (across sub-flow boundaries)."""
    if not session.history:
        raise UserError(texts.NOTHING_TO_GO_BACK_TO)
    restore(session, session.history.pop())

"""The rules of a run, pure: which steps a target has, recording a step's result, Mark all OK, Skip target, and
when a target and the run are done. Every function changes the run it is given; saving is the caller's."""

from __future__ import annotations

from datetime import datetime

from bot.engine.maintenance.records import (
    MaintenanceRun,
    RunStatus,
    StepOutcome,
    StepResult,
    TargetResult,
    TargetStatus,
)
from bot.flows.model import Flow, Node, NodeType, VerificationType


class RunRefused(ValueError):
    """A result that cannot be recorded (the message says why; nothing changed)."""


def steps_of(flow: Flow) -> list[Node]:
    """The steps each target works through (section headers and the end step left out)."""
    return [n for n in flow.nodes if n.type is NodeType.PROCEDURE_STEP]


def asks_value(node: Node) -> bool:
    """A step whose OK is a typed value (``verification_type: text_input``)."""
    return node.verification_type is VerificationType.TEXT_INPUT


def targets_of(flow: Flow) -> list[TargetResult]:
    """Fresh results for every target of the flow."""
    return [TargetResult(t.label, t.notes) for t in flow.targets]


def done_count(run: MaintenanceRun) -> int:
    """Targets done (OK, issues or skipped)."""
    return sum(1 for t in run.targets if t.status.done)


def complete(run: MaintenanceRun) -> bool:
    """Every target is done."""
    return all(t.status.done for t in run.targets)


def target(run: MaintenanceRun, index: int) -> TargetResult:
    """The target at ``index``; ``RunRefused`` when there is none."""
    if not 0 <= index < len(run.targets):
        raise RunRefused(f"This run has no target number {index + 1}.")
    return run.targets[index]


def ensure_running(run: MaintenanceRun) -> None:
    """Refuse changes once the run is completed or expired."""
    if run.status is not RunStatus.RUNNING:
        raise RunRefused(f"This run is {run.status.value}; its results can't be changed any more.")


def _settle(result: TargetResult, steps: list[Node], who: str, at: datetime) -> None:
    """Mark the target done once every step has a result: issues if any step has one, skipped if every step was
    skipped, else OK."""
    if result.status is TargetStatus.SKIPPED or any(n.id not in result.steps for n in steps):
        return
    outcomes = [result.steps[n.id].outcome for n in steps]
    if StepOutcome.ISSUE in outcomes:
        result.status = TargetStatus.ISSUES
    elif outcomes and all(o is StepOutcome.SKIPPED for o in outcomes):
        result.status = TargetStatus.SKIPPED
    else:
        result.status = TargetStatus.OK
    result.by, result.at = who, at


def record_step(
    run: MaintenanceRun,
    flow: Flow,
    index: int,
    step_id: str,
    outcome: StepOutcome,
    who: tuple[str, str],
    at: datetime,
    *,
    value: str = "",
    note: str = "",
) -> TargetResult:
    """Record one step's result on one target (a later answer replaces an earlier one while the target is open).
    ``who`` = (user id, name)."""
    ensure_running(run)
    result = target(run, index)
    steps = steps_of(flow)
    if step_id not in {n.id for n in steps}:
        raise RunRefused(f"The flow has no step {step_id!r} any more.")
    if result.status.done:
        raise RunRefused(f"{result.label} is already {result.status.value} ({result.by}); nothing changed.")
    result.steps[step_id] = StepResult(outcome, who[1], who[0], at, value.strip(), note.strip())
    result.started_at = result.started_at or at
    _settle(result, steps, who[1], at)
    return result


def mark_all_ok(run: MaintenanceRun, flow: Flow, index: int, who: tuple[str, str], at: datetime) -> TargetResult:
    """Every open step of the target OK (steps already answered keep their result)."""
    ensure_running(run)
    result = target(run, index)
    if result.status.done:
        raise RunRefused(f"{result.label} is already {result.status.value} ({result.by}); nothing changed.")
    steps = steps_of(flow)
    for node in steps:
        if node.id not in result.steps:
            result.steps[node.id] = StepResult(StepOutcome.OK, who[1], who[0], at)
    result.started_at = result.started_at or at
    _settle(result, steps, who[1], at)
    return result


def skip_target(run: MaintenanceRun, index: int, who: tuple[str, str], at: datetime) -> TargetResult:
    """Skip the whole target (its open steps stay unanswered)."""
    ensure_running(run)
    result = target(run, index)
    if result.status.done:
        raise RunRefused(f"{result.label} is already {result.status.value} ({result.by}); nothing changed.")
    result.status, result.by, result.at = TargetStatus.SKIPPED, who[1], at
    return result


def step_progress(result: TargetResult, flow: Flow) -> str:
    """``3/6 steps`` for one target."""
    steps = steps_of(flow)
    return f"{sum(1 for n in steps if n.id in result.steps)}/{len(steps)} steps"

"""The structured escalation package: the five sections FlowPilot's package has, built from the session record
alone (a pure function). Used when FlowPilot does not draft the package: a guided session with no copilot, or only
the offline one.

What the engineer found goes under "What we've confirmed" (decisions answered, facts, notes, lane answers); what
they did under "What we've tried" (action steps and their outcome, custom steps, suggested fixes and how they went);
where the flow stands under "Suggested next steps".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.model import Fact, FixStatus, Session, SuggestedFix, TimelineEntry, TimelineKind
from bot.flows.model import Flow, NodeType

HEADINGS = ("Problem", "What we've confirmed", "What we've tried", "Current hypothesis", "Suggested next steps")
MAX_LINES = 12
OUTCOMES = {"ok": "done", "failed": "didn't work", "skipped": "skipped"}
FIX_WORDS = {
    FixStatus.PROPOSED: "suggested, not tried",
    FixStatus.APPLIED_SUCCESS: "worked",
    FixStatus.APPLIED_FAILED: "didn't work",
    FixStatus.APPLIED_PARTIAL: "partly worked",
    FixStatus.APPLIED_PENDING: "applied, still checking",
    FixStatus.DISMISSED: "dismissed",
}
NOTHING_CONFIRMED = "- Nothing recorded yet."
NOTHING_TRIED = "- Nothing tried yet."
NO_HYPOTHESIS = "Not established yet."


def _bullets(lines: Sequence[str], empty: str) -> str:
    kept = [line for line in lines if line.strip()][-MAX_LINES:]
    return "\n".join(f"- {line}" for line in kept) or empty


def _is_question(entry: TimelineEntry, flow: Flow | None) -> bool:
    if flow is not None and entry.node_id and flow.has_node(entry.node_id):
        return flow.node(entry.node_id).type is NodeType.DECISION
    return entry.title.rstrip().endswith("?")


def _where(session: Session, flow: Flow | None) -> str:
    if session.custom_step:
        return f"the custom step “{session.custom_step}”"
    if flow is None or not session.current_node or not flow.has_node(session.current_node):
        return ""
    node = flow.node(session.current_node)
    return f"“{node.title or node.question or node.id}” in {flow.name}"


def structured_package(
    session: Session,
    flow: Flow | None,
    timeline: Sequence[TimelineEntry],
    facts: Sequence[Fact],
    fixes: Sequence[SuggestedFix],
) -> list[tuple[str, str]]:
    """The five sections (heading, text) of the escalation package for ``session`` as it stands."""
    problem = session.problem_summary or session.title or (flow.name if flow else "") or "Reported problem"
    if session.ticket is not None and session.ticket.summary and session.ticket.summary not in problem:
        problem += f"\nTicket #{session.ticket.number}: {session.ticket.summary}"
    confirmed: list[str] = [f.text for f in facts]
    tried: list[str] = []
    for entry in timeline:
        if entry.kind is TimelineKind.STEP_ANSWERED:
            outcome = str(entry.detail.get("outcome", "ok"))
            if outcome == "ok" and _is_question(entry, flow):
                confirmed.append(f"{entry.title} → {entry.answer}")
            else:
                tried.append(f"{entry.title}: {OUTCOMES.get(outcome, entry.answer or outcome)}")
                value = entry.detail.get("value")
                if isinstance(value, str) and value:
                    tried[-1] += f" ({value})"
        elif entry.kind is TimelineKind.CUSTOM_STEP:
            tried.append(f"{entry.title}: {entry.answer or 'done'}")
        elif entry.kind is TimelineKind.NOTE and entry.answer:
            confirmed.append(f"Note: {entry.answer}")
        elif entry.kind is TimelineKind.LANE_ANSWERED and entry.answer:
            confirmed.append(f"{entry.title} → {entry.answer}")
    tried += [f"{f.title}: {FIX_WORDS.get(f.status, f.status.value)}" for f in fixes]
    where = _where(session, flow)
    hypothesis = session.triage_hypothesis or NO_HYPOTHESIS
    if not session.triage_hypothesis and where:
        hypothesis += f" The flow reached {where}."
    steps = [f"Continue from {where}." if where else ""]
    steps += [f"{i.text}" for i in session.pending_task_lane if i.status == "open"]
    steps.append("Review what was confirmed and tried above before repeating a step.")
    return [
        (HEADINGS[0], problem),
        (HEADINGS[1], _bullets(confirmed, NOTHING_CONFIRMED)),
        (HEADINGS[2], _bullets(tried, NOTHING_TRIED)),
        (HEADINGS[3], hypothesis),
        (HEADINGS[4], _bullets(steps, "- Review the session.")),
    ]

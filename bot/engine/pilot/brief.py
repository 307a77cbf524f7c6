"""Build the copilot's ``Brief`` for a session from what is stored (read in a short unit of work)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.copilot import Brief, BriefFix, BriefItem, Hit, TriageUpdate
from bot.engine.model import Fact, Session, SuggestedFix, TimelineEntry, TimelineKind
from bot.engine.pilot import fixes as fix_rules
from bot.flows.model import Flow

MAX_TRANSCRIPT = 40
ENGINEER_KINDS = {TimelineKind.PILOT_ASKED, TimelineKind.NOTE}


def transcript(timeline: Sequence[TimelineEntry]) -> tuple[tuple[str, str], ...]:
    """The conversation so far as (speaker, text), oldest first, at most ``MAX_TRANSCRIPT`` lines."""
    lines: list[tuple[str, str]] = []
    for entry in timeline:
        if entry.kind in ENGINEER_KINDS and entry.answer:
            lines.append(("engineer", entry.answer))
        elif entry.kind is TimelineKind.LANE_ANSWERED and entry.answer:
            lines.append(("engineer", f"{entry.title} → {entry.answer}"))
        elif entry.kind is TimelineKind.STEP_ANSWERED and entry.answer:
            lines.append(("engineer", f"Flow step “{entry.title}”: {entry.answer}"))
        elif entry.kind is TimelineKind.PILOT_REPLIED and entry.answer:
            lines.append(("pilot", entry.answer))
    return tuple(lines[-MAX_TRANSCRIPT:])


def ticket_context(timeline: Sequence[TimelineEntry]) -> str:
    """The newest ticket context recorded when a ticket was linked."""
    for entry in reversed(timeline):
        context = entry.detail.get("context") if entry.kind is TimelineKind.TICKET_LINKED else None
        if context:
            return str(context)
    return ""


def flow_context(session: Session, flow: Flow | None) -> str:
    """For a guided flow: the flow and the step the engineer is on."""
    if flow is None:
        return ""
    node = flow.node(session.current_node) if flow.has_node(session.current_node) else None
    where = f"; current step: {node.title or node.question}" if node is not None else ""
    return f"Guided flow “{flow.name}” ({flow.kind.value}){where}. Steps answered so far: {session.step_count}."


def build_brief(
    session: Session,
    timeline: Sequence[TimelineEntry],
    facts: Sequence[Fact],
    fixes: Sequence[SuggestedFix],
    flow: Flow | None,
    *,
    similar: Sequence[Hit] = (),
    tools_enabled: bool = False,
) -> Brief:
    """Everything the copilot may know about the session."""
    active = fix_rules.active(fixes)
    brief_fixes = tuple(
        BriefFix(f.title, f.status.value, f.description, f.status_reason, active=f is active) for f in fixes[-5:]
    )
    ticket = ticket_context(timeline)
    if not ticket and session.ticket is not None:
        ticket = f"Ticket #{session.ticket.number}: {session.ticket.summary}".strip(": ")
    return Brief(
        session_id=session.id,
        team_id=session.team_id,
        problem=session.problem_summary,
        transcript=transcript(timeline),
        title=session.title,
        ticket=ticket,
        triage=TriageUpdate(
            client_name=session.client_name,
            asset_name=session.asset_name,
            issue_category=session.issue_category,
            triage_hypothesis=session.triage_hypothesis,
            evidence_items=tuple(session.evidence_items),
            problem_domain=session.problem_domain,
            title=session.title,
        ),
        facts=tuple(f.text for f in facts),
        lane=tuple(
            BriefItem(i.id, i.kind, i.text, i.status, i.answer, i.command) for i in session.pending_task_lane[-12:]
        ),
        fixes=brief_fixes,
        flow_context=flow_context(session, flow),
        preference=session.pilot_preference,
        turn=session.pilot_turns,
        confidence=session.confidence,
        failed_fixes=fix_rules.failed_count(fixes),
        similar=tuple(similar),
        matched_flow=session.matched_flow or next((h.ref for h in similar if h.kind == "flow"), ""),
        tools_enabled=tools_enabled,
    )

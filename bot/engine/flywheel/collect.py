"""Collect: the resolved sessions worth learning from, each read into a redacted ``Digest``.

Worth learning from: free-form FlowPilot sessions (no flow), and guided sessions whose path left the flow — a custom
step, notes where the flow had nothing more to offer (resolved away from a solution), or a fix that worked outside
the flow. A guided session that simply followed its flow to a solution teaches nothing new and is skipped. Every
text is redacted here, before it is grouped, stored or sent to a model; a text that cannot be redacted is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.flywheel.records import Digest, Outcome, Step
from bot.engine.model import FixStatus, Session, SuggestedFix, TimelineEntry, TimelineKind
from bot.engine.ports import UnitOfWork
from bot.flows.model import Flow, NodeType
from bot.notes.redact import redact_or_blank

MAX_TEXT = 400
MAX_STEPS = 8
WORKED = (FixStatus.APPLIED_SUCCESS, FixStatus.APPLIED_PENDING)  # resolve treats a pending fix as worked
FAILED = (FixStatus.APPLIED_FAILED, FixStatus.APPLIED_PARTIAL)
LEFT_AT = (TimelineKind.STEP_ANSWERED, TimelineKind.NOTE, TimelineKind.BACK)
PLAIN = frozenset({"", "done", "ok", "yes", "no", "skipped", "passed", "failed", "worked"})


def clean(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` redacted (blank when redaction fails), on one line, at most ``limit`` characters."""
    result = redact_or_blank(text or "")
    if result.failed:
        return ""
    line = " ".join(result.text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def outcome_of(fixes: Sequence[SuggestedFix]) -> tuple[Outcome, SuggestedFix | None]:
    """Worked when a fix worked (the last such), failed when fixes were tried and none worked, else unknown."""
    worked = [f for f in fixes if f.status in WORKED]
    if worked:
        return Outcome.WORKED, worked[-1]
    failed = [f for f in fixes if f.status in FAILED]
    return (Outcome.FAILED, failed[-1]) if failed else (Outcome.UNKNOWN, None)


def departure(session: Session, flow: Flow, timeline: Sequence[TimelineEntry], fixed: bool) -> str:
    """The node where a guided session left its flow, or "" when it did not leave it.

    A custom step leaves at the node the session stood on (the next step or note recorded there, else where it
    ended); otherwise a session that ended on a node other than a solution, with notes there or a fix that worked,
    left at that node."""
    for i, entry in enumerate(timeline):
        if entry.kind is TimelineKind.CUSTOM_STEP:
            later = next((e.node_id for e in timeline[i + 1 :] if e.kind in LEFT_AT and e.node_id), "")
            return later or session.current_node
    node = session.current_node
    if not node or not flow.has_node(node) or flow.node(node).type is NodeType.SOLUTION:
        return ""
    noted = any(e.kind is TimelineKind.NOTE and e.node_id == node for e in timeline)
    return node if noted or fixed else ""


def steps_of(session: Session, timeline: Sequence[TimelineEntry]) -> tuple[Step, ...]:
    """What the engineer did off the flow (custom steps) or, in a free-form session, the task lane's completed
    checks (with their commands and what they showed)."""
    steps: list[Step] = []
    for entry in timeline:
        if entry.kind is TimelineKind.CUSTOM_STEP:
            steps.append(Step(clean(entry.title, 120), "" if plain(entry.answer) else clean(entry.answer)))
    if not session.flow_key:
        for item in session.pending_task_lane:
            if item.kind == "check" and item.status in ("answered", "done") and item.text:
                command = clean(item.command, 300) if item.command else ""
                found = "" if plain(item.answer) else clean(item.answer)
                steps.append(Step(clean(item.text, 120), found, command, item.language or "powershell"))
    return tuple(s for s in steps if s.title)[:MAX_STEPS]


def observations(session: Session, timeline: Sequence[TimelineEntry], node_id: str) -> list[str]:
    """What the engineer noted where the session left its flow, and the answered questions of a free-form one."""
    seen = [e.answer for e in timeline if e.kind is TimelineKind.NOTE and node_id and e.node_id == node_id]
    if not session.flow_key:
        seen += [
            f"{item.text} {item.answer}"
            for item in session.pending_task_lane
            if item.kind == "question" and item.answer and not plain(item.answer)
        ]
    return [x for x in (clean(o, 200) for o in seen) if x]


def plain(answer: str) -> bool:
    """A button answer that says nothing by itself ("Done", "Yes", "ok")."""
    return answer.strip().casefold() in PLAIN


async def digest(uow: UnitOfWork, team_id: str, session_id: str) -> Digest | None:
    """The session as evidence, or None when it is not worth learning from."""
    session = await uow.sessions.get(team_id, session_id)
    if session is None or session.ended_at is None:
        return None
    timeline = await uow.sessions.timeline(team_id, session_id)
    fixes = await uow.sessions.fixes(team_id, session_id)
    outcome, fix = outcome_of(fixes)
    node_id, flow = "", None
    if session.flow_key:
        flow = await uow.flows.get(team_id, session.flow_key, session.flow_version)
        if flow is None:
            return None
        node_id = departure(session, flow, timeline, outcome is Outcome.WORKED)
        if not node_id:
            return None
        if outcome is Outcome.UNKNOWN and session.resolution_summary:
            outcome = Outcome.WORKED  # resolved after leaving the flow: what was done off the flow solved it
    facts = [f for f in (clean(x.text, 200) for x in await uow.sessions.facts(team_id, session_id)) if f]
    facts += observations(session, timeline, node_id)
    steps = steps_of(session, timeline)
    if not steps and fix is None and not session.resolution_summary:
        return None
    return Digest(
        session_id=session.id,
        title=clean(session.title or session.problem_summary, 120),
        problem=clean(session.problem_summary),
        ended_at=session.ended_at,
        engineer=str(session.conversation.get("engineer_name", "")),
        flow_key=session.flow_key if flow is not None else "",
        flow_version=session.flow_version,
        node_id=node_id,
        category=clean(session.issue_category or session.problem_domain, 60),
        steps=steps,
        facts=tuple(facts[:6]),
        fix=clean(fix.title, 120) if fix else "",
        fix_detail=clean(fix.description) if fix else "",
        resolution=clean(session.resolution_summary),
        outcome=outcome,
    )


async def collect(uow: UnitOfWork, team_id: str, ids: Sequence[str], skip: set[str]) -> list[Digest]:
    """Digests of the sessions ``ids`` (in order), leaving out those in ``skip`` (already evidence elsewhere)."""
    found = []
    for session_id in ids:
        if session_id in skip:
            continue
        item = await digest(uow, team_id, session_id)
        if item is not None:
            found.append(item)
    return found

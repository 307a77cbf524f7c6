"""Apply a validated copilot turn to a session: lane items, promoted facts, the suggested fix, a proposed outcome,
triage, confidence. Runs inside the unit of work that records the turn; the copilot never changes a fix outcome or
the session status itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.context import Ctx
from bot.engine.copilot import PilotTurn, TriageUpdate, TurnKind
from bot.engine.model import Fact, FactSource, Session, SuggestedFix, TaskLaneItem
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot import lane
from bot.engine.pilot.route import tier_of

MAX_FACT = 500
MAX_EVIDENCE = 20


@dataclass(slots=True)
class Applied:
    """What a turn changed, for the views."""

    items: list[TaskLaneItem] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    fix: SuggestedFix | None = None
    superseded: SuggestedFix | None = None
    outcome_proposed: bool = False
    ask_preference: bool = False


async def apply_turn(ctx: Ctx, session: Session, turn: PilotTurn, seq: int) -> Applied:
    """Write the turn's effects (the caller records the timeline entry and saves the session)."""
    done = Applied()
    done.items = lane.merge(session, turn.questions, turn.checks, ctx.ids.new, seq)
    known = {lane.norm(f.text) for f in await ctx.uow.sessions.facts(ctx.team_id, session.id)}
    for text in turn.promote:
        text = text.strip()[:MAX_FACT]
        if text and lane.norm(text) not in known:
            fact = Fact(ctx.ids.new(), ctx.team_id, session.id, text, FactSource.AI_PROMOTED, ctx.now, "FlowPilot")
            await ctx.uow.sessions.add_fact(fact)
            known.add(lane.norm(text))
            done.facts.append(fact)
    if turn.fixes:
        current = list(await ctx.uow.sessions.fixes(ctx.team_id, session.id))
        fix, previous = fix_rules.suggest(
            current, turn.fixes[-1], fix_id=ctx.ids.new(), team_id=ctx.team_id, session_id=session.id, now=ctx.now
        )
        if previous is not None:
            await ctx.uow.sessions.update_fix(previous)
        await ctx.uow.sessions.add_fix(fix)
        script = fix_rules.script_of(fix, ctx.ids.new())
        if script is not None:
            await ctx.uow.pilot.add_script(script)
        done.fix, done.superseded = fix, previous
        session.pilot_outcome = {}
        done.ask_preference = not session.pilot_preference
    elif turn.outcome is not None:
        active = fix_rules.active(await ctx.uow.sessions.fixes(ctx.team_id, session.id))
        if active is not None and active.status in fix_rules.UNFINISHED and turn.outcome.status is not active.status:
            session.pilot_outcome = {
                "fix_id": active.id,
                "status": turn.outcome.status.value,
                "reason": turn.outcome.reason[:500],
            }
            done.outcome_proposed = True
    if turn.triage is not None:
        fill_triage(session, turn.triage)
    if turn.kind is TurnKind.RESOLUTION_SUGGESTION and turn.resolution_summary and not session.resolution_summary:
        session.resolution_summary = turn.resolution_summary[:2000]
        session.followups = [f[:300] for f in turn.followups[:10]]
    session.confidence = max(0.0, min(1.0, turn.confidence))
    session.confidence_tier = tier_of(session.confidence)
    return done


def fill_triage(session: Session, triage: TriageUpdate) -> None:
    """Fill triage fields only while they are empty (a human edit always wins); evidence is only appended."""
    for name in ("client_name", "asset_name", "issue_category", "triage_hypothesis", "problem_domain", "title"):
        value = str(getattr(triage, name) or "").strip()
        if value and not getattr(session, name):
            setattr(session, name, value[:300])
    seen = {lane.norm(e) for e in session.evidence_items}
    for item in triage.evidence_items:
        if len(session.evidence_items) >= MAX_EVIDENCE:
            break
        if item.strip() and lane.norm(item) not in seen:
            session.evidence_items.append(item.strip()[:300])
            seen.add(lane.norm(item))

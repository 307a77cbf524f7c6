"""FlowPilot's fix buttons (decisions, outcomes, proposed outcomes), the GUI/script preference and forks."""

from __future__ import annotations

from bot.engine.commands.pilot import update_lane
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId, FormId, PilotJob
from bot.engine.model import FixDecision, FixStatus, ScriptGeneration, Session, SuggestedFix, TimelineKind
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot import texts as t
from bot.engine.pilot.queue import queue_work
from bot.engine.replies import Button, Buttons, Input, OpenForm, Style, Text

REASON_FIELD = "r_"
DECISION_WORDS = {
    FixDecision.ONE_OFF: "use the script once",
    FixDecision.DRAFT_TEMPLATE: "draft a reusable template",
    FixDecision.DISMISSED: "dismiss the fix",
}


async def _fix(ctx: Ctx, session: Session, fix_id: str) -> SuggestedFix:
    fix = next((f for f in await ctx.uow.sessions.fixes(ctx.team_id, session.id) if f.id == fix_id), None)
    if fix is None or fix.superseded_at is not None:
        raise UserError(t.FIX_GONE)
    return fix


async def on_fix_decision(ctx: Ctx, session: Session, value: str) -> None:
    """Use once / draft a template / dismiss (value ``<fix>:<decision>``)."""
    ctx.ensure_open(session)
    fix_id, _, choice = value.rpartition(":")
    fix = await _fix(ctx, session, fix_id)
    try:
        decision = FixDecision(choice)
    except ValueError:
        raise UserError(t.FIX_GONE) from None
    expected = session.state_version
    try:
        fix_rules.decide(fix, decision, ctx.now)
    except fix_rules.FixRefused:
        raise UserError(t.FIX_GONE) from None
    await ctx.uow.sessions.update_fix(fix)
    if decision is FixDecision.DRAFT_TEMPLATE and fix.script:
        provenance = {
            "session_id": session.id,
            "engineer": ctx.user.display_name,
            "ticket": session.ticket.number if session.ticket else "",
            "status": "pending",
            **fix.template_params,
        }
        await ctx.uow.pilot.add_script(
            ScriptGeneration(
                ctx.ids.new(),
                ctx.team_id,
                session.id,
                fix.script_language or "powershell",
                fix.script,
                ctx.now,
                purpose="template_draft",
                parameters=provenance,
            )
        )
    if decision is FixDecision.DISMISSED:
        session.pilot_outcome = {}
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.FIX_DECIDED, node_id=fix.id, title=fix.title, answer=decision.value)
    await ctx.save(session, expected)
    ctx.say(t.FIX_DECIDED.format(who=ctx.user.display_name, decision=DECISION_WORDS[decision]))
    await update_lane(ctx, session)


async def settle_outcome(ctx: Ctx, session: Session, fix: SuggestedFix, status: FixStatus, reason: str) -> None:
    """Record the engineer's outcome for the active fix; a fix that did not (fully) work sends FlowPilot on."""
    ctx.ensure_open(session)
    expected = session.state_version
    try:
        fix_rules.record_outcome(fix, status, reason, ctx.now)
    except fix_rules.FixRefused as err:
        raise UserError(t.FIX_REASON if str(err) == "reason" else t.FIX_GONE) from None
    await ctx.uow.sessions.update_fix(fix)
    session.pilot_outcome = {}
    session.bump(ctx.now)
    words = fix_rules.OUTCOME_WORDS[status]
    await ctx.record(session, TimelineKind.FIX_OUTCOME, node_id=fix.id, title=fix.title, answer=words)
    if status in (FixStatus.APPLIED_FAILED, FixStatus.APPLIED_PARTIAL):
        await queue_work(ctx, session, PilotJob.TURN)
    await ctx.save(session, expected)
    ctx.say(t.FIX_OUTCOME.format(who=ctx.user.display_name, outcome=words))
    if status is FixStatus.APPLIED_SUCCESS:
        resolve = Button("Resolve", ActionId.RESOLVE, session.id, session.state_version, "", Style.PRIMARY)
        ctx.post_blocks("The fix worked. Resolve the session to write the ticket note.", Buttons((resolve,)))
    await update_lane(ctx, session)


async def on_fix_outcome(ctx: Ctx, session: Session, value: str) -> None:
    """It worked / didn't work / partly / applied, still checking (value ``<fix>:<status>``)."""
    fix_id, _, choice = value.rpartition(":")
    fix = await _fix(ctx, session, fix_id)
    try:
        status = FixStatus(choice)
    except ValueError:
        raise UserError(t.FIX_GONE) from None
    if status is FixStatus.APPLIED_PENDING:
        ctx.replies.append(
            OpenForm(
                ctx.conversation,
                ctx.event.actor,
                FormId.FIX_PENDING,
                "Applied, still checking",
                session.id,
                session.state_version,
                (Input(REASON_FIELD + fix.id, "What are you waiting for?", multiline=True),),
                intro=(Text(f"*{fix.title}*"),),
                submit_label="Save",
            )
        )
        return
    await settle_outcome(ctx, session, fix, status, "")


async def on_fix_pending_form(ctx: Ctx, session: Session, values: dict[str, str]) -> None:
    """Why a fix is applied but not verified yet."""
    for name, reason in values.items():
        if name.startswith(REASON_FIELD):
            fix = await _fix(ctx, session, name[len(REASON_FIELD) :])
            await settle_outcome(ctx, session, fix, FixStatus.APPLIED_PENDING, reason)
            return
    raise UserError(t.FIX_GONE)


async def on_outcome_confirm(ctx: Ctx, session: Session, value: str) -> None:
    """The engineer confirms the outcome FlowPilot proposed."""
    proposal = session.pilot_outcome
    fix_id, _, status = value.rpartition(":")
    if not proposal or proposal.get("fix_id") != fix_id or proposal.get("status") != status:
        raise UserError(t.OUTCOME_NONE)
    fix = await _fix(ctx, session, fix_id)
    reason = proposal.get("reason", "") or "proposed by FlowPilot, confirmed by the engineer"
    await settle_outcome(ctx, session, fix, FixStatus(status), reason)


async def on_outcome_reject(ctx: Ctx, session: Session, value: str) -> None:
    """FlowPilot's proposed outcome is wrong: forget it."""
    if not session.pilot_outcome or session.pilot_outcome.get("fix_id") != value:
        raise UserError(t.OUTCOME_NONE)
    expected = session.state_version
    session.pilot_outcome = {}
    session.bump(ctx.now)
    await ctx.save(session, expected)
    ctx.whisper(t.OUTCOME_REJECTED)


async def on_preference(ctx: Ctx, session: Session, value: str) -> None:
    """GUI walkthrough or script: remembered for the session and as the engineer's default."""
    if value not in ("gui", "script"):
        raise UserError(t.FIX_GONE)
    expected = session.state_version
    session.pilot_preference = value
    session.bump(ctx.now)
    choice = "a GUI walkthrough" if value == "gui" else "a script"
    await ctx.record(session, TimelineKind.PREFERENCE_SET, answer=choice)
    await ctx.save(session, expected)
    prefs = await ctx.uow.settings.get(ctx.team_id)
    remembered = dict(prefs.get("pilot_preferences") or {})
    remembered[ctx.user.id] = value
    await ctx.uow.settings.put(ctx.team_id, {"pilot_preferences": remembered})
    ctx.say(t.PREFERENCE_SET.format(choice=choice))


async def on_fork_pick(ctx: Ctx, session: Session, value: str) -> None:
    """Explore one of the hypotheses FlowPilot forked (the deep model takes this turn)."""
    hypothesis = value.strip()[:150]
    if not hypothesis:
        raise UserError(t.FIX_GONE)
    ctx.ensure_open(session)
    expected = session.state_version
    session.triage_hypothesis = hypothesis
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.PILOT_ASKED, answer=t.FORK_PICKED.format(hypothesis=hypothesis))
    await queue_work(ctx, session, PilotJob.TURN, f"fork:{hypothesis}")
    await ctx.save(session, expected)

"""**Claim** and the claimer's choice (domain §11).

Claim is atomic: the escalation row is claimed with one conditional write (``EscalationRepository.claim``), so of
two claimers racing for it one wins and the other is told who did; the session's optimistic version check backs it
up (a lost race is retried by the engine and then finds the escalation claimed). Nobody claims their own
escalation, and viewers claim nothing (the engine refuses them before this runs).

The claimer becomes the session's engineer and the session is active again in its thread: the notices say who
claimed it, the engineer who escalated is told in a direct message, and the claimer picks how to go on: *Continue
where X left off* (the current step or task lane again), *Get AI analysis* (FlowPilot's structured briefing first)
or *I'll take it from here* (ownership only). What the claimer does first after claiming is read from the timeline
for the statistics (``escalation_stats``).
"""

from __future__ import annotations

from bot.engine.commands.escalate import actor_for
from bot.engine.commands.escalation_package import KIND, uses_pilot
from bot.engine.commands.pilot_docs import request_document
from bot.engine.context import Ctx, UserError
from bot.engine.copilot import DocKind
from bot.engine.escalation import texts as t
from bot.engine.escalation.channels import channel_for
from bot.engine.escalation.package import structured_package
from bot.engine.escalation.records import ClaimChoice, Escalation, PackageSource
from bot.engine.escalation.views import (
    briefing_view,
    choices_view,
    notice_ref,
    notice_view,
    parse_choice,
    thread_ref,
    thread_view,
    ticket_words,
    title_of,
)
from bot.engine.events import ConversationRef
from bot.engine.model import Session, SessionStatus, SessionType, TimelineKind
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot.documents import assessment_blocks
from bot.engine.pilot.views import lane_card, lane_ref
from bot.engine.replies import DirectMessage, Ephemeral, Text, View
from bot.engine.show import show_step
from bot.engine.views import card_ref, hhmm, session_card


async def _escalation(ctx: Ctx, session: Session, escalation_id: str) -> Escalation:
    found = await ctx.uow.escalations.get(ctx.team_id, escalation_id) if escalation_id else None
    if found is None or found.session_id != session.id:
        raise UserError(t.UNKNOWN_ESCALATION)
    return found


def _claimed(escalation: Escalation) -> UserError:
    at = hhmm(escalation.claimed_at) if escalation.claimed_at else "?"
    return UserError(t.ALREADY_CLAIMED.format(who=escalation.claimed_by_name or "someone", time=at))


def _here(ctx: Ctx, channel: ConversationRef | None) -> ConversationRef:
    """Where to answer the claimer: a click on the channel's notice is answered in the channel itself (not in a
    thread under the notice); anywhere else, where the click was."""
    where = ctx.event.conversation
    if channel is not None and (where.platform, where.channel) == (channel.platform, channel.channel):
        return ConversationRef(where.platform, where.channel, "", where.extras)
    return ctx.conversation


async def on_claim(ctx: Ctx, session: Session, value: str) -> None:
    """**Claim** (value: the escalation id): take the escalated session over, if nobody has."""
    ctx.require_writer()
    escalation = await _escalation(ctx, session, value)
    if escalation.escalated_by == ctx.user.id:
        raise UserError(t.SELF_CLAIM)
    if escalation.claimed:
        raise _claimed(escalation)
    if session.status is not SessionStatus.ESCALATED:
        raise UserError(t.CLAIM_GONE.format(status=session.status.value))
    name = ctx.user.display_name
    if not await ctx.uow.escalations.claim(ctx.team_id, escalation.id, ctx.user.id, name, ctx.now):
        winner = await ctx.uow.escalations.get(ctx.team_id, escalation.id)
        raise _claimed(winner or escalation)
    escalation.claimed_by, escalation.claimed_by_name, escalation.claimed_at = ctx.user.id, name, ctx.now
    expected = session.state_version
    previous = session.engineer_id
    session.engineer_id, session.status = ctx.user.id, SessionStatus.ACTIVE
    session.conversation = {**session.conversation, "engineer_name": name}
    if escalation.note_id:
        session.escalation_package_external_id = escalation.note_id
    session.bump(ctx.now)
    detail = {"escalation": escalation.id, "from": previous}
    await ctx.record(session, TimelineKind.CLAIMED, title=escalation.escalated_by_name, detail=detail)
    await ctx.save(session, expected)
    await _announce(ctx, session, escalation)


async def _announce(ctx: Ctx, session: Session, escalation: Escalation) -> None:
    """The notices say who claimed it, the thread says who owns the session now, the engineer who escalated is
    told, and the claimer is asked how to pick it up."""
    home = ConversationRef.from_dict(session.conversation)
    platform = ctx.event.conversation.platform
    channel = await channel_for(ctx.uow.settings, ctx.team_id, platform)
    if channel is not None:
        ctx.update(notice_view(escalation, session), notice_ref(escalation), channel)
    ctx.update(thread_view(escalation, session), thread_ref(escalation), home)
    line = t.CLAIMED_THREAD.format(who=escalation.claimed_by_name)
    ctx.post(View((Text(line),), line), conversation=home)
    card = session_card(session, await ctx.flow_of(session), escalation.claimed_by_name)
    ctx.update(card, card_ref(session), home, lazy=True)
    engineer = await ctx.uow.users.get(ctx.team_id, escalation.escalated_by)
    reach = actor_for(engineer, platform) if engineer is not None else None
    if reach is not None:
        told = t.CLAIMED_DM.format(
            who=escalation.claimed_by_name, title=title_of(session), ticket=ticket_words(session)
        )
        ctx.replies.append(DirectMessage(reach, View((Text(told),), told)))
    ctx.replies.append(Ephemeral(_here(ctx, channel), ctx.event.actor, choices_view(escalation, session)))


async def on_claim_choice(ctx: Ctx, session: Session, value: str) -> None:
    """The claimer's choice (value: ``<escalation id>:<choice>``): continue where the engineer left off, FlowPilot's
    briefing first, or take it from here; said in the thread, once."""
    ctx.require_writer()
    parsed = parse_choice(value)
    if parsed is None:
        raise UserError(t.UNKNOWN_ESCALATION)
    escalation = await _escalation(ctx, session, parsed[0])
    choice = parsed[1]
    if escalation.claimed_by != ctx.user.id:
        raise UserError(t.NOT_CLAIMER.format(who=escalation.claimed_by_name or "whoever claims it"))
    if escalation.choice:
        label = t.CHOICE_LABELS.get(escalation.choice, escalation.choice)
        raise UserError(t.ALREADY_CHOSE.format(choice=label.format(engineer=escalation.escalated_by_name)))
    escalation.choice = choice.value
    await ctx.uow.escalations.update(escalation)
    ctx.target = ConversationRef.from_dict(session.conversation)
    label = t.CHOICE_LABELS[choice.value].format(engineer=escalation.escalated_by_name)
    await ctx.record(session, TimelineKind.HANDED_OVER, title=label, answer=choice.value)
    ctx.say(t.HANDOVER[choice.value].format(who=ctx.user.display_name, engineer=escalation.escalated_by_name))
    if choice is ClaimChoice.ANALYSIS:
        await _briefing(ctx, session, escalation)
    if choice is not ClaimChoice.TAKEOVER and session.status is SessionStatus.ACTIVE:
        await _where_it_stands(ctx, session)


async def _briefing(ctx: Ctx, session: Session, escalation: Escalation) -> None:
    """FlowPilot's structured briefing: the package and its assessment; drafted now if there is none yet (the
    structured package when FlowPilot is not available)."""
    if escalation.package is PackageSource.DRAFTING:
        ctx.say(t.ANALYSIS_DRAFTING)
        return
    preview = await ctx.uow.pilot.preview(ctx.team_id, session.id, KIND)
    if preview is not None and preview.sections:
        blocks = assessment_blocks(preview.assessment)
        ctx.post(briefing_view(ctx.user.display_name, preview.sections, blocks))
        return
    if uses_pilot(ctx, session):
        await request_document(ctx, session, DocKind.ESCALATION)
        return
    timeline = await ctx.uow.sessions.timeline(ctx.team_id, session.id)
    facts = await ctx.uow.sessions.facts(ctx.team_id, session.id)
    fixes = await ctx.uow.sessions.fixes(ctx.team_id, session.id)
    sections = structured_package(session, await ctx.flow_of(session), timeline, facts, fixes)
    ctx.post(briefing_view(ctx.user.display_name, sections))


async def _where_it_stands(ctx: Ctx, session: Session) -> None:
    """The current step of a guided session, or FlowPilot's task lane, posted again for the new owner."""
    if session.session_type is SessionType.CHAT:
        facts = await ctx.uow.sessions.facts(ctx.team_id, session.id)
        fix = fix_rules.active(await ctx.uow.sessions.fixes(ctx.team_id, session.id))
        ctx.post(lane_card(session, facts, fix), lane_ref(session))
        return
    await show_step(ctx, session, await ctx.flow_of(session))

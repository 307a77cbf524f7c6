"""`escalate [@senior] [reason]`, the Escalate button and its form, and `park [reason]` (domain §11).

Escalating takes the session out of its engineer's hands: an unfinished fix is settled first (how did it go?), the
task lane is snapshotted on the timeline, the package is attached and its ticket note queued
(``escalation_package``), the session becomes ``escalated``, and the escalation is announced with **Claim** in the
thread, in the team's escalation channel (``admin escalation-channel``) with an @mention of the named senior, and in
that senior's direct messages. Never at yourself, never at a viewer (who cannot claim).

Parking is a private pause: the session is paused with a reason, nobody is notified, and `resume` picks it up.
"""

from __future__ import annotations

import dataclasses

from bot.engine.commands.escalation_package import attach_package
from bot.engine.commands.members import MENTION
from bot.engine.context import Ctx, UserError
from bot.engine.directory import ensure_user
from bot.engine.escalation import texts as t
from bot.engine.escalation.channels import channel_for
from bot.engine.escalation.records import Escalation
from bot.engine.escalation.views import (
    direct_view,
    notice_ref,
    notice_view,
    thread_ref,
    thread_view,
    ticket_words,
    title_of,
)
from bot.engine.events import Actor, FormId
from bot.engine.model import Role, Session, SessionStatus, SuggestedFix, TimelineKind, User
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot.documents import fix_first_view
from bot.engine.replies import DirectMessage, Input, OpenForm, Post, Text, View
from bot.engine.show import refresh_card
from bot.engine.texts import NO_SUCH_USER, SESSION_CLOSED, USER_AMBIGUOUS
from bot.engine.views import hhmm

MAX_REASON = 2000


async def cmd_escalate(ctx: Ctx, args: str) -> None:
    """Escalate this session (`escalate @senior why`, or just `escalate why` for the team's queue): its package
    goes to the ticket and whoever claims it takes over."""
    session = await ctx.open_session()
    target, reason = await split_target(ctx, args)
    await escalate(ctx, session, target, reason)


async def on_escalate_button(ctx: Ctx, session: Session, value: str) -> None:
    """The Escalate button (step messages, the task lane): ask to whom and why."""
    await _refuse(ctx, session)
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.ESCALATE,
            t.FORM_TITLE,
            session.id,
            session.state_version,
            (
                Input("target", t.FORM_TARGET, placeholder=t.FORM_TARGET_HINT, optional=True),
                Input("reason", t.FORM_REASON, multiline=True, placeholder=t.FORM_REASON_HINT, optional=True),
            ),
            intro=(Text(t.FORM_INTRO),),
            submit_label=t.FORM_SUBMIT,
        )
    )


async def on_escalate_form(ctx: Ctx, session: Session, values: dict[str, str]) -> None:
    """The escalate form: the named person (or the team's queue) and the reason."""
    named = values.get("target", "").strip()
    target = await find_person(ctx, named) if named else None
    await escalate(ctx, session, target, values.get("reason", "").strip())


async def _refuse(ctx: Ctx, session: Session) -> None:
    """Viewers, closed sessions, sessions already escalated, and anyone but the session's engineer (or an admin)."""
    ctx.require_writer()
    if session.status is SessionStatus.ESCALATED:
        latest = await ctx.uow.escalations.latest_for_session(ctx.team_id, session.id)
        who, at = (latest.escalated_by_name, latest.created_at) if latest else ("someone", session.updated_at)
        raise UserError(t.ALREADY_ESCALATED.format(who=who, time=hhmm(at)))
    if not session.status.is_open:
        raise UserError(SESSION_CLOSED.format(status=session.status.value))
    ctx.require_owner(session, "escalate")


def fix_first(session: Session, fix: SuggestedFix) -> View:
    """Asked to escalate while the active fix is unfinished: how did it go? (the package's own question)."""
    view = fix_first_view(session, fix)
    text = t.FIX_FIRST.format(title=fix.title)
    return View((Text(text), *view.blocks[1:]), text[:150])


def actor_for(user: User, platform: str) -> Actor | None:
    """``user`` as someone to message on ``platform``; None without an identity there."""
    uid = user.identities.get(platform)
    return Actor(platform, uid, user.display_name, user.email) if uid else None


async def escalate(ctx: Ctx, session: Session, target: User | None, reason: str) -> None:
    """Escalate ``session`` to ``target`` (None: the team's queue) with ``reason``."""
    await _refuse(ctx, session)
    if target is not None and target.id == ctx.user.id:
        raise UserError(t.SELF_TARGET)
    if target is not None and target.role is Role.VIEWER:
        raise UserError(t.TARGET_VIEWER.format(name=target.display_name))
    fix = fix_rules.active(await ctx.uow.sessions.fixes(ctx.team_id, session.id))
    if fix is not None and fix.status in fix_rules.UNFINISHED:
        ctx.post(fix_first(session, fix))
        return
    flow = await ctx.flow_of(session)
    before = session.state_version
    escalation = Escalation(
        id=ctx.ids.new(),
        team_id=ctx.team_id,
        session_id=session.id,
        escalated_by=ctx.user.id,
        escalated_by_name=ctx.user.display_name,
        created_at=ctx.now,
        reason=reason[:MAX_REASON],
        target_id=target.id if target else "",
        target_name=target.display_name if target else "",
    )
    session.status = SessionStatus.ESCALATED
    session.escalation_reason, session.escalation_target = escalation.reason, escalation.target_id
    session.bump(ctx.now)
    lane = [dataclasses.asdict(item) for item in session.pending_task_lane]  # the task lane as handed over
    detail = {"escalation": escalation.id, "target": escalation.target_name, "lane": lane}
    await ctx.record(session, TimelineKind.ESCALATED, title=escalation.target_name, answer=reason, detail=detail)
    mark = len(ctx.replies)
    lines = await attach_package(ctx, session, escalation, flow, before)
    await ctx.save(session, before)
    await ctx.uow.escalations.add(escalation)
    if ctx.schedules is not None:  # re-ping after the team's window unless claimed (committed with the escalation)
        from bot.engine.commands.escalation_reminders import schedule_first_reminder  # it imports this module

        await schedule_first_reminder(ctx.schedules, ctx.uow, escalation, session, ctx.now)
    await refresh_card(ctx, session, flow)
    await _notify(ctx, session, escalation, target, lines, mark)


async def _notify(
    ctx: Ctx, session: Session, escalation: Escalation, target: User | None, lines: list[str], mark: int
) -> None:
    """The notice in the escalation channel (mentioning the target), the target's DM, the thread's announcement
    (placed before the package's own messages), and a hint to the engineer when no channel is set."""
    platform = ctx.conversation.platform
    channel = await channel_for(ctx.uow.settings, ctx.team_id, platform)
    reach = actor_for(target, platform) if target is not None else None
    told: list[str] = []
    if channel is not None:
        ctx.replies.append(
            Post(channel, notice_view(escalation, session, mention=reach, extra=lines), notice_ref(escalation))
        )
        told.append(t.NOTIFIED_CHANNEL)
    if target is not None and reach is not None:
        line = t.NOTIFY_DM.format(
            who=escalation.escalated_by_name, title=title_of(session), ticket=ticket_words(session)
        )
        ctx.replies.append(DirectMessage(reach, direct_view(escalation, session, line)))
        told.append(t.NOTIFIED_TARGET.format(name=target.display_name))
    elif target is not None:
        told.append(t.TARGET_NOT_REACHABLE.format(name=target.display_name, platform=platform))
    announcement = Post(ctx.conversation, thread_view(escalation, session, [*lines, *told]), thread_ref(escalation))
    ctx.replies.insert(mark, announcement)
    if channel is None:
        dm = t.NO_CHANNEL_DM.format(name=target.display_name) if target is not None and reach is not None else ""
        ctx.whisper(t.NO_CHANNEL.format(dm=dm))


# --- who is named --------------------------------------------------------------------------------------------------
async def split_target(ctx: Ctx, args: str) -> tuple[User | None, str]:
    """The person ``args`` starts with (a platform mention, or ``@name``) and the rest, the reason."""
    text = args.strip()
    first, _, rest = text.partition(" ")
    if MENTION.match(first):
        return await find_person(ctx, first), rest.strip()
    if not first.startswith("@"):
        return None, text
    words = text[1:].split()
    user, used = await _match_name(ctx, words)
    return user, " ".join(words[used:])


async def find_person(ctx: Ctx, name: str) -> User:
    """The team member ``name`` means: a platform mention (a person the bot has not met yet is added as an
    engineer), or a name, e-mail or handle (``@`` optional)."""
    mention = MENTION.match(name.strip())
    if mention:
        platform = ctx.event.actor.platform
        found = await ctx.uow.users.by_identity(ctx.team_id, platform, mention.group(1))
        if found is not None:
            return found
        label = name.strip()[2:-1].partition("|")[2] or mention.group(1)
        return await ensure_user(ctx.uow, ctx.ids, ctx.team_id, Actor(platform, mention.group(1), label), ctx.now)
    words = name.strip().lstrip("@").split()
    user, used = await _match_name(ctx, words)
    if used < len(words):
        raise UserError(NO_SUCH_USER.format(name=name))
    return user


async def _match_name(ctx: Ctx, words: list[str]) -> tuple[User, int]:
    """The member named by the longest run of leading ``words`` (display name, e-mail or handle, any case), else the
    one whose name starts with the first word; and how many words named them."""
    if not words:
        raise UserError(NO_SUCH_USER.format(name="@"))
    users = list(await ctx.uow.users.list(ctx.team_id))
    for count in range(len(words), 0, -1):
        wanted = " ".join(words[:count]).casefold()
        exact = [
            u
            for u in users
            if wanted in (u.display_name.casefold(), u.email.casefold())
            or wanted in (v.casefold() for v in u.identities.values())
        ]
        if len(exact) > 1:
            options = ", ".join(u.display_name for u in exact)
            raise UserError(USER_AMBIGUOUS.format(name=" ".join(words[:count]), options=options))
        if exact:
            return exact[0], count
    close = [u for u in users if u.display_name.casefold().startswith(words[0].casefold())]
    if len(close) > 1:
        raise UserError(USER_AMBIGUOUS.format(name=words[0], options=", ".join(u.display_name for u in close)))
    if not close:
        raise UserError(NO_SUCH_USER.format(name=f"@{words[0]}"))
    return close[0], 1


# --- park ----------------------------------------------------------------------------------------------------------
async def cmd_park(ctx: Ctx, args: str) -> None:
    """Park the session privately (`park [reason]`): a pause nobody is notified of; `resume` picks it up."""
    session = await ctx.open_session()
    ctx.require_writer()
    ctx.require_owner(session, "park")
    ctx.ensure_open(session)
    reason = args.strip()[:MAX_REASON]
    expected = session.state_version
    session.status = SessionStatus.PAUSED
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.PAUSED, title="Parked", answer=reason, detail={"parked": True})
    await ctx.save(session, expected)
    await refresh_card(ctx, session, await ctx.flow_of(session))
    ctx.whisper(t.PARKED.format(reason=f": {reason}" if reason else ""))

"""Re-pings of an unclaimed escalation: the scheduler's ``escalation_reminder`` kind (``bot.engine.scheduled``).

An escalation that nobody claimed within the team's window (``escalation_reminder_minutes``, default 15) is
announced again: a fresh notice in the escalation channel (with **Claim**, @mentioning the named senior), the
senior's direct message again, a line in the session's thread, and, one more person per reminder, a direct message
to the next member of the team's escalation list (``escalation_list``: user ids, in order). It then schedules the
next reminder. Nothing happens once the escalation is claimed or the session is no longer escalated.

The schedule is a one-off per session: ``reminder_spec`` (key ``escalation:<session id>``, payload
``{"escalation_id", "session_id"}``, the session's conversation); whoever holds a ``ScheduleBook`` when the session
is escalated puts it, and ``on_escalation_reminder`` puts the next one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.engine.commands.escalate import actor_for
from bot.engine.context import Ctx
from bot.engine.escalation import texts as t
from bot.engine.escalation.channels import channel_for
from bot.engine.escalation.records import REMINDER_KIND, Escalation
from bot.engine.escalation.views import direct_view, notice_ref, notice_view, ticket_words, title_of
from bot.engine.events import ConversationRef
from bot.engine.model import Session, SessionStatus
from bot.engine.ports import UnitOfWork
from bot.engine.replies import Context, DirectMessage, Post, View
from bot.engine.scheduled import ScheduleBook, ScheduledRun, ScheduleSpec
from bot.engine.team_settings import ESCALATION_LIST, ESCALATION_REMINDER_MINUTES, TeamSettings


def reminder_minutes(prefs: dict[str, Any]) -> int:
    """The team's window before a re-ping, in minutes (the typed setting ``escalation_reminder_minutes``)."""
    return TeamSettings(prefs).get(ESCALATION_REMINDER_MINUTES)


def reminder_spec(escalation: Escalation, session: Session, run_at: datetime) -> ScheduleSpec:
    """The one-off schedule of the escalation's next reminder."""
    return ScheduleSpec(
        team_id=escalation.team_id,
        kind=REMINDER_KIND,
        key=f"escalation:{session.id}",
        run_at=run_at,
        payload={"escalation_id": escalation.id, "session_id": session.id},
        conversation=ConversationRef.from_dict(session.conversation),
    )


async def schedule_first_reminder(
    book: ScheduleBook, uow: UnitOfWork, escalation: Escalation, session: Session, now: datetime
) -> None:
    """Put the escalation's first reminder, the team's window from ``now``, in ``uow`` (so it commits with the
    escalation): what the escalation's handler calls once it can reach the ``ScheduleBook``."""
    prefs = await uow.settings.get(escalation.team_id)
    await book.put(reminder_spec(escalation, session, now + timedelta(minutes=reminder_minutes(prefs))), uow)


async def on_escalation_reminder(run: ScheduledRun) -> None:
    """Re-ping the escalation in the payload if it is still unclaimed, then schedule the next reminder."""
    ctx = run.ctx
    escalation = await ctx.uow.escalations.get(ctx.team_id, str(run.fired.payload.get("escalation_id", "")))
    if escalation is None or escalation.claimed:
        return
    session = await ctx.uow.sessions.get(ctx.team_id, escalation.session_id)
    if session is None or session.status is not SessionStatus.ESCALATED:
        return
    prefs = await ctx.uow.settings.get(ctx.team_id)
    escalation.reminders += 1
    escalation.last_reminded_at = ctx.now
    await ctx.uow.escalations.update(escalation)
    await remind(ctx, escalation, session, prefs)
    if run.schedules is not None:
        next_at = ctx.now + timedelta(minutes=reminder_minutes(prefs))
        await run.schedules.put(reminder_spec(escalation, session, next_at), ctx.uow)


async def remind(ctx: Ctx, escalation: Escalation, session: Session, prefs: dict[str, Any]) -> None:
    """The re-ping itself (``escalation.reminders`` already counts this one)."""
    home = ConversationRef.from_dict(session.conversation)
    waited = max(0, int((ctx.now - escalation.created_at).total_seconds() // 60))
    line = t.REMINDER_LINE.format(minutes=waited, n=escalation.reminders)
    target = await ctx.uow.users.get(ctx.team_id, escalation.target_id) if escalation.target_id else None
    reach = actor_for(target, home.platform) if target is not None else None
    channel = await channel_for(ctx.uow.settings, ctx.team_id, home.platform)
    if channel is not None:
        view = notice_view(escalation, session, mention=reach, extra=[line])
        ctx.replies.append(Post(channel, view, notice_ref(escalation)))
    dm = t.REMINDER_DM.format(title=title_of(session), minutes=waited, ticket=ticket_words(session))
    people = [reach] if reach is not None else []
    widened = _next_in_list(prefs, escalation)
    if widened:
        person = await ctx.uow.users.get(ctx.team_id, widened)
        extra = actor_for(person, home.platform) if person is not None else None
        people += [extra] if extra is not None else []
    for actor in people:
        ctx.replies.append(DirectMessage(actor, direct_view(escalation, session, dm)))
    ctx.replies.append(Post(home, View((Context(line),), line)))


def _next_in_list(prefs: dict[str, Any], escalation: Escalation) -> str:
    """The member of the escalation list this reminder widens to ("" when the list is used up): the list in order,
    without whoever escalated and the named senior (already reminded)."""
    listed = TeamSettings(prefs).get(ESCALATION_LIST)
    members = [u for u in listed if u not in (escalation.escalated_by, escalation.target_id)]
    index = escalation.reminders - 1
    return members[index] if 0 <= index < len(members) else ""

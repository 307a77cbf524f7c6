"""The idle sweep: the scheduler's per-team ``idle_sweep`` kind (every 15 minutes, ``bot.engine.team_schedules``).

Two team settings drive it (``bot.engine.team_settings``; 0 turns either off):

* ``pause_nudge_hours`` — a session paused at least this long gets ONE nudge per pause: a line in its thread
  ("Paused for 26 hours — resume or abandon it", with Resume and Abandon) and a direct message to its owner with
  **Resume** (which resumes it in its own thread, not in the DM). The nudge is a ``nudged`` timeline entry, so it
  shows in the session's history and is not repeated until the session is paused again.
* ``idle_abandon_days`` — an active or paused session with no activity this long (no change, nothing typed in its
  thread; the bot's own bookkeeping does not count) is abandoned as `abandon` would (status abandoned, the record
  and its note kept, the note handed over in the thread), with the rule named on the timeline and in the thread, and
  a direct message to its owner. Nothing goes to a linked ticket.

Each fire does at most ``MAX_PER_SWEEP`` sessions (abandonments first), oldest first; the next fire continues. The
queries (``uow.idle``) leave out what was already done, so a re-run of the same fire changes nothing. All of it
happens in the fire's one unit of work; a session changed concurrently makes the whole fire retry.
"""

from __future__ import annotations

from datetime import timedelta

from bot.engine import team_texts as t
from bot.engine.commands.escalate import actor_for
from bot.engine.commands.lifecycle import on_resume
from bot.engine.context import Ctx
from bot.engine.documents import document_for, store_note
from bot.engine.events import ActionId, ConversationRef
from bot.engine.idle import PausedSession
from bot.engine.model import NoteKind, Session, SessionStatus, TimelineKind
from bot.engine.replies import Attachment, Button, Buttons, DirectMessage, Ephemeral, Style, Text, View
from bot.engine.scheduled import ScheduledRun
from bot.engine.show import refresh_card
from bot.engine.team_settings import IDLE_ABANDON_DAYS, PAUSE_NUDGE_HOURS, TeamSettings
from bot.notes.render import default_filename

MAX_PER_SWEEP = 200


async def on_idle_sweep(run: ScheduledRun) -> None:
    """Abandon the team's sessions idle past ``idle_abandon_days``, then nudge those paused past
    ``pause_nudge_hours`` (at most ``MAX_PER_SWEEP`` sessions in all)."""
    ctx = run.ctx
    settings = await TeamSettings.load(ctx.uow, ctx.team_id)
    days, hours = settings.get(IDLE_ABANDON_DAYS), settings.get(PAUSE_NUDGE_HOURS)
    budget = MAX_PER_SWEEP
    if days > 0:
        stale = await ctx.uow.idle.inactive(ctx.team_id, ctx.now - timedelta(days=days), budget)
        for session in stale:
            await abandon_idle(ctx, session, days)
        budget -= len(stale)
    if hours > 0 and budget > 0:
        for paused in await ctx.uow.idle.paused_unnudged(ctx.team_id, ctx.now - timedelta(hours=hours), budget):
            await nudge(ctx, paused)
    ctx.target = None


async def nudge(ctx: Ctx, paused: PausedSession) -> None:
    """Remind the owner of a paused session, once for this pause."""
    session = paused.session
    since = paused.paused_at or session.updated_at
    hours = int((ctx.now - since).total_seconds() // 3600)
    detail = {"paused_at": since.isoformat(), "hours": hours, "setting": PAUSE_NUDGE_HOURS.key}
    await ctx.record(session, TimelineKind.NUDGED, title=t.NUDGE_TITLE.format(hours=hours), detail=detail)
    home = ConversationRef.from_dict(session.conversation)
    line = t.NUDGE_LINE.format(hours=hours)
    buttons = (
        Button(t.RESUME, ActionId.RESUME, session.id, session.state_version, "", Style.PRIMARY),
        Button(t.ABANDON, ActionId.ABANDON, session.id, session.state_version, "", Style.DANGER),
    )
    ctx.post(View((Text(line), Buttons(buttons)), line), conversation=home)
    dm = t.NUDGE_DM.format(title=session.title or "untitled", hours=hours)
    resume = Button(t.RESUME, ActionId.NUDGE_RESUME, session.id, session.state_version, "", Style.PRIMARY)
    await _tell_owner(ctx, session, View((Text(dm), Buttons((resume,))), dm))


async def abandon_idle(ctx: Ctx, session: Session, days: int) -> None:
    """Abandon a session nobody touched for ``days`` days, as `abandon` does, naming the rule."""
    if not session.status.is_open:
        return
    home = ConversationRef.from_dict(session.conversation)
    ctx.target = home
    flow = await ctx.flow_of(session)
    line = t.ABANDONED_LINE.format(days=days, setting=IDLE_ABANDON_DAYS.key)
    detail = {"setting": IDLE_ABANDON_DAYS.key, "days": days, "last_activity": session.updated_at.isoformat()}
    expected = session.state_version
    session.status = SessionStatus.ABANDONED
    session.ended_at = ctx.now
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.ABANDONED, title="idle", answer=line, detail=detail)
    await ctx.save(session, expected)
    doc = await document_for(ctx, session, flow)
    _, rendered = await store_note(ctx, session, NoteKind.SESSION_DOCUMENTATION, doc=doc)
    await refresh_card(ctx, session, flow)
    ctx.say(line)
    name = default_filename(doc, "md")
    ctx.replies.append(Attachment(home, name, rendered.body, "text/markdown", t.ABANDONED_NOTE, final=True))
    dm = t.ABANDONED_DM.format(title=session.title or "untitled", days=days, setting=IDLE_ABANDON_DAYS.key)
    await _tell_owner(ctx, session, View((Text(dm),), dm))


async def _tell_owner(ctx: Ctx, session: Session, view: View) -> None:
    """A direct message to the session's engineer on its platform (none when they have no identity there)."""
    owner = await ctx.uow.users.get(ctx.team_id, session.engineer_id)
    platform = str(session.conversation.get("platform", ""))
    actor = actor_for(owner, platform) if owner is not None else None
    if actor is not None:
        ctx.replies.append(DirectMessage(actor, view))


async def on_nudge_resume(ctx: Ctx, session: Session, value: str) -> None:
    """**Resume** on a nudge: resume the session in its own thread (not in the direct message it was clicked in)."""
    ctx.target = ConversationRef.from_dict(session.conversation)
    await on_resume(ctx, session, await ctx.flow_of(session), value)
    if ctx.event.conversation.key != ctx.target.key:
        text = t.RESUMED_THERE.format(title=session.title or "untitled")
        ctx.replies.append(Ephemeral(ctx.event.conversation, ctx.event.actor, View((Text(text),), text)))


SWEEP_ACTIONS = {ActionId.NUDGE_RESUME: on_nudge_resume}
"""Buttons of the sweep's messages, addressed to their session whatever its state version (``Engine._button``)."""

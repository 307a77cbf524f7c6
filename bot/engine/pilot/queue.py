"""Queue slow copilot work from a handler: the job goes into the inbox in the handler's own transaction, so it is
as durable as the engineer's click, and the placeholder is shown at once."""

from __future__ import annotations

from bot.engine import codec
from bot.engine.context import Ctx
from bot.engine.events import PilotJob, PilotWork
from bot.engine.model import Session
from bot.engine.pilot import views


async def queue_job(ctx: Ctx, job: PilotJob, event_id: str, session_id: str = "", seq: int = 0, arg: str = "") -> None:
    """Put one ``PilotWork`` in the inbox (deduplicated by ``event_id``) and have the worker woken after commit."""
    work = PilotWork(
        team_id=ctx.team_id,
        actor=ctx.event.actor,
        conversation=ctx.conversation,
        at=ctx.now,
        event_id=event_id,
        session_id=session_id,
        job=job,
        seq=seq,
        arg=arg,
    )
    await ctx.uow.inbox.add(ctx.team_id, event_id, ctx.conversation.platform, codec.encode(work), ctx.now)
    ctx.queued = True


async def queue_work(ctx: Ctx, session: Session, job: PilotJob, arg: str = "") -> int:
    """Put a ``PilotWork`` for the session in the inbox; returns its sequence number.

    A turn takes the next turn number (the session must be saved by the caller) and posts the "thinking"
    placeholder that the turn's reply will replace.
    """
    if job is PilotJob.TURN:
        session.pilot_turns += 1
        seq = session.pilot_turns
    else:
        seq = session.state_version
    await queue_job(ctx, job, f"pilot:{session.id}:{job.value}:{arg}:{seq}", session.id, seq, arg)
    if job is PilotJob.TURN:
        mode = ctx.pilot.mode if ctx.pilot is not None else "offline"
        ctx.post(views.thinking(session, mode), views.turn_ref(session, seq))
    return seq

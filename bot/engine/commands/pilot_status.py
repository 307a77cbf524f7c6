"""Status updates on demand: `update <kind> [quick|detailed]`, the task lane's "Status update" menu, and "Post to
ticket" under a drafted ticket note (queued through the outbox once, whatever double clicks or redeliveries do)."""

from __future__ import annotations

from bot.engine.commands.pushes import queue_note
from bot.engine.context import Ctx, UserError
from bot.engine.copilot import StatusKind
from bot.engine.documents import redaction_enabled
from bot.engine.events import PilotJob
from bot.engine.model import Session
from bot.engine.pilot import status
from bot.engine.pilot import texts as t
from bot.engine.pilot.queue import queue_work
from bot.engine.psa import NoteKind
from bot.engine.views import hhmm
from bot.notes.redact import redact_or_blank

KIND_WORDS = {
    "ticket": StatusKind.TICKET_NOTES,
    "note": StatusKind.TICKET_NOTES,
    "notes": StatusKind.TICKET_NOTES,
    "client": StatusKind.CLIENT_UPDATE,
    "email": StatusKind.EMAIL_DRAFT,
    "e-mail": StatusKind.EMAIL_DRAFT,
    "mail": StatusKind.EMAIL_DRAFT,
    "request": StatusKind.REQUEST_INFO,
    "info": StatusKind.REQUEST_INFO,
}
DEPTH_WORDS = {"quick": False, "short": False, "brief": False, "detailed": True, "detail": True, "long": True}


def choice_from_words(args: str) -> status.StatusChoice:
    """The status update a command asks for (``ticket``, ``client detailed``, …), or a ``UserError`` listing them."""
    words = args.lower().split()
    kind = KIND_WORDS.get(words[0]) if words else None
    depths = [DEPTH_WORDS.get(w) for w in words[1:]]
    if kind is None or len(depths) > 1 or None in depths:
        raise UserError(t.STATUS_KINDS)
    return status.StatusChoice(kind, bool(depths and depths[0]))


async def request_status(ctx: Ctx, session: Session, choice: status.StatusChoice) -> None:
    """Queue the status work (the model runs in the worker) and show the "thinking" placeholder it replaces.

    The same update asked twice while the session has not changed is drafted once; the second ask points above.
    """
    if not session.status.is_open:
        raise UserError(t.STATUS_CLOSED.format(status=session.status.value))
    seq = session.state_version
    earlier = await ctx.uow.pilot.preview(ctx.team_id, session.id, status.record_kind(seq, choice))
    if earlier is not None:
        ctx.whisper(t.STATUS_ALREADY.format(label=choice.label, time=hhmm(earlier.created_at)))
        return
    await ctx.uow.pilot.put_preview(status.requested(ctx.team_id, session, choice, ctx.now, ctx.user.display_name))
    await queue_work(ctx, session, PilotJob.STATUS, choice.arg)
    ctx.post(status.placeholder(choice), status.status_ref(session.id, seq, choice))


async def on_status_pick(ctx: Ctx, session: Session, value: str) -> None:
    """A choice in the task lane's "Status update" menu (value ``<kind>:<quick|detailed>``)."""
    ctx.require_writer()
    choice = status.StatusChoice.parse(value)
    if choice is None:
        raise UserError(t.STATUS_BAD_CHOICE)
    await request_status(ctx, session, choice)


async def on_post_status_note(ctx: Ctx, session: Session, value: str) -> None:
    """ "Post to ticket" under a drafted ticket note (value ``<seq>:<quick|detailed>``): queue it as an internal note,
    redacted per the team's setting, once."""
    ctx.require_writer()
    parsed = status.parse_post_value(value)
    if parsed is None:
        raise UserError(t.STATUS_BAD_CHOICE)
    seq, choice = parsed
    record = await ctx.uow.pilot.preview(ctx.team_id, session.id, status.record_kind(seq, choice))
    text = status.draft_text(record) if record is not None else ""
    if record is None or not text:
        raise UserError(t.STATUS_NOTE_GONE)
    info = status.posted(record)
    if info is not None:
        raise UserError(status.posted_line(info, t.STATUS_NOTE_POSTED))
    if session.ticket is None:
        raise UserError(t.STATUS_NOTE_NO_TICKET)
    if ctx.psa is None or await ctx.psa.for_team(ctx.team_id) is None:
        raise UserError(t.STATUS_NOTE_NO_PSA.format(number=session.ticket.number))
    if await redaction_enabled(ctx):
        masked = redact_or_blank(text)
        if masked.failed:
            raise UserError(t.STATUS_NOTE_WITHHELD)
        text = masked.text
    key = f"status-note:{session.id}:{seq}:{choice.depth}"
    item = await queue_note(ctx, session, key, t.STATUS_NOTE_LABEL, NoteKind.INTERNAL, text)
    status.mark_posted(record, ctx.user.display_name, ctx.now, session.ticket.number, item.id)
    await ctx.uow.pilot.put_preview(record)
    ctx.update(status.draft_view(session, seq, choice, record), status.status_ref(session.id, seq, choice))

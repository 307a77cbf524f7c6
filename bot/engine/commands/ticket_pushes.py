"""What resolving a session sends to its ticket, queued in the outbox with the resolution itself.

The customer-visible resolution note (Problem / What we confirmed / Root cause / Resolution), then the session
documentation as an internal note; a time entry for the engineer when the team asks for one (setting
``psa_time_entries``); and a status change when the team names a resolved status (``cw_resolved_status_id``).
Submitting the resolve form, which shows the note preview, is the engineer's confirmation.
"""

from __future__ import annotations

from bot.engine import texts
from bot.engine.commands.pushes import PSA_STATUS, PSA_TIME, queue_note, queue_push
from bot.engine.context import Ctx
from bot.engine.documents import document_for, redaction_enabled
from bot.engine.model import Session
from bot.engine.psa import NoteKind
from bot.flows.model import Flow, NodeType
from bot.notes.document import SessionDocument
from bot.notes.redact import redact_text
from bot.notes.render import render
from bot.notes.resolution import resolution_note

TIME_SETTING, RESOLVED_STATUS_SETTING = "psa_time_entries", "cw_resolved_status_id"


def root_cause_of(session: Session, flow: Flow | None) -> str:
    """The solution the flow reached, if it ended on one."""
    if flow is None or not session.current_node:
        return ""
    node = flow.node(session.current_node)
    return node.title if node.type is NodeType.SOLUTION else ""


async def queue_resolution_pushes(
    ctx: Ctx,
    session: Session,
    flow: Flow | None,
    *,
    resolution_text: str | None = None,
    doc: SessionDocument | None = None,
) -> None:
    """Queue the ticket pushes of a resolved session, or say why nothing goes to the PSA. ``resolution_text`` is a
    confirmed resolution note that replaces the one built from the session (redacted all the same); ``doc`` is the
    session's document when the caller built it already."""
    if session.ticket is None:
        ctx.say(texts.RESOLVED_LOCAL)
        return
    psa = await ctx.psa.for_team(ctx.team_id) if ctx.psa is not None else None
    if psa is None:
        ctx.say(texts.RESOLVED_NO_PSA.format(number=session.ticket.number))
        return
    redaction = await redaction_enabled(ctx)
    doc = doc or await document_for(ctx, session, flow)
    text, _ = resolution_note(doc, root_cause_of(session, flow), redaction=redaction)
    if resolution_text:
        text = redact_text(resolution_text) if redaction else resolution_text
    await queue_note(ctx, session, f"resolution:{session.id}", "Resolution note", NoteKind.RESOLUTION, text)
    documentation = render(doc, "txt", redaction=redaction).body
    await queue_note(
        ctx, session, f"session-doc:{session.id}", "Session documentation", NoteKind.INTERNAL, documentation
    )
    prefs = await ctx.uow.settings.get(ctx.team_id)
    if prefs.get(TIME_SETTING):
        payload = {"hours": doc.hours, "started_at": session.started_at.isoformat(), "notes": doc.flow_name}
        await queue_push(ctx, session, PSA_TIME, f"time:{session.id}", "Time entry", payload)
    status_id = prefs.get(RESOLVED_STATUS_SETTING)
    if isinstance(status_id, int) and status_id > 0:
        await queue_push(ctx, session, PSA_STATUS, f"status:{session.id}", "Status change", {"status_id": status_id})

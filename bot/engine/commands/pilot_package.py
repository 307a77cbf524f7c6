"""The escalation package (domain §8): `pilot package` and the task lane's "Escalation package" button preview
FlowPilot's five sections and its assessment (drafted by the deep model, or the cached preview of an unchanged
session); "Edit" shares the resolution note's form; "Post to ticket" queues the package as an internal note on the
linked ticket, once.

An unfinished fix is settled first (domain §4, §11): asked for the package then, FlowPilot asks how the fix went
instead of drafting. None of this escalates the session; the escalation itself (claim, notifying leads, status
``escalated``) posts its package with ``queue_escalation_note``.
"""

from __future__ import annotations

from bot.engine.commands.pilot_docs import Handled, current_preview, doc_kind, request_document
from bot.engine.commands.pushes import queue_note
from bot.engine.context import Ctx, UserError
from bot.engine.copilot import DocKind
from bot.engine.documents import redaction_enabled
from bot.engine.model import OutboxItem, Session, TimelineKind
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot import texts as t
from bot.engine.pilot.documents import doc_ref, document_text, fix_first_view, preview_view
from bot.engine.pilot.records import DocumentPreview
from bot.engine.pilot.status import mark_posted, posted, posted_line
from bot.engine.psa import NoteKind
from bot.notes.redact import redact_or_blank

PACKAGE_WORDS = frozenset({"package", "escalation package"})


def is_package_request(args: str) -> bool:
    """Whether `pilot <args>` asks for the escalation package (`pilot package`) rather than asking FlowPilot."""
    return " ".join(args.lower().split()) in PACKAGE_WORDS


async def cmd_package(ctx: Ctx) -> None:
    """`pilot package`: the escalation package of this thread's session."""
    ctx.require_writer()
    await request_package(ctx, await ctx.open_session())


async def on_package(ctx: Ctx, session: Session, value: str) -> None:
    """The task lane's "Escalation package" button."""
    await request_package(ctx, session)


async def request_package(ctx: Ctx, session: Session) -> None:
    """Preview the escalation package (drafted in the worker, or the cached preview if the session is unchanged);
    while the active fix is unfinished, ask how it went instead."""
    ctx.require_writer()
    ctx.ensure_open(session)
    if ctx.pilot is None:
        raise UserError(t.PACKAGE_NO_PILOT)
    fix = fix_rules.active(await ctx.uow.sessions.fixes(ctx.team_id, session.id))
    if fix is not None and fix.status in fix_rules.UNFINISHED:
        ctx.post(fix_first_view(session, fix))
        return
    await request_document(ctx, session, DocKind.ESCALATION)


async def on_post_package(ctx: Ctx, session: Session, value: str) -> None:
    """ "Post to ticket" under the package preview (value: the document kind): queue it once, as an internal note,
    and show the preview as sent. A stale preview is redrafted instead, and the engineer is told."""
    ctx.require_writer()
    kind = doc_kind(value, (DocKind.ESCALATION,))
    try:
        preview = await current_preview(ctx, session, kind)
    except Handled:
        return
    await queue_escalation_note(ctx, session, preview)
    ctx.update(preview_view(session, preview), doc_ref(session, preview.kind))


async def queue_escalation_note(
    ctx: Ctx, session: Session, preview: DocumentPreview, *, heading: str = ""
) -> OutboxItem:
    """Queue ``preview`` (an escalation package) as an internal-analysis note on the session's ticket through the
    outbox, redacted per the team's setting, mark the preview sent and record it on the timeline, all in the
    handler's transaction: a double click or a redelivered event finds it sent and queues nothing more (and the
    outbox's idempotency key is per package). The session's status is not changed: the escalation command reuses
    this to post its package when it escalates (``heading``: a first line, who escalated to whom and why).
    ``UserError`` when there is no ticket or PSA, or it was sent."""
    info = posted(preview)
    if info is not None:
        raise UserError(posted_line(info, t.PACKAGE_POSTED))
    if session.ticket is None:
        raise UserError(t.PACKAGE_NOT_LINKED)
    number = session.ticket.number
    if ctx.psa is None or await ctx.psa.for_team(ctx.team_id) is None:
        raise UserError(t.PACKAGE_NO_PSA.format(number=number))
    text = document_text(preview.sections)
    if heading:
        text = f"{heading}\n\n{text}"
    if await redaction_enabled(ctx):
        masked = redact_or_blank(text)
        if masked.failed:
            raise UserError(t.PACKAGE_WITHHELD)
        text = masked.text
    key = f"escalation-package:{session.id}:{preview.state_version}"
    item = await queue_note(ctx, session, key, t.PACKAGE_LABEL, NoteKind.INTERNAL, text)
    mark_posted(preview, ctx.user.display_name, ctx.now, number, item.id)
    await ctx.uow.pilot.put_preview(preview)
    detail = {
        "document": preview.kind,
        "ticket": number,
        "outbox_id": item.id,
        "preview_version": preview.state_version,
    }
    await ctx.record(session, TimelineKind.EXPORTED, title=f"{t.PACKAGE_LABEL} → ticket #{number}", detail=detail)
    return item

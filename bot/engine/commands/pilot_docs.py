"""FlowPilot's documents: Resolve drafts the resolution note (previewed, editable), "Confirm & post" resolves the
session with it. An unchanged session shows the cached preview without calling the model again."""

from __future__ import annotations

from bot.engine import texts
from bot.engine.commands.lifecycle import finish_resolution
from bot.engine.context import Ctx, UserError
from bot.engine.copilot import DocKind
from bot.engine.events import FormId, PilotJob
from bot.engine.model import Session
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot import texts as t
from bot.engine.pilot.documents import TITLES, doc_ref, document_text, preview_view
from bot.engine.pilot.queue import queue_work
from bot.engine.pilot.records import DocumentPreview
from bot.engine.replies import Context, Input, OpenForm, View

SECTION_FIELD = "s"


async def request_document(ctx: Ctx, session: Session, kind: DocKind) -> None:
    """Show the preview: the cached one if the session has not changed since, else draft it (queued)."""
    cached = await ctx.uow.pilot.preview(ctx.team_id, session.id, kind.value)
    if cached is not None and cached.state_version == session.state_version:
        ctx.update(preview_view(session, cached), doc_ref(session, kind.value))
        return
    await queue_work(ctx, session, PilotJob.DOCUMENT, kind.value)
    drafting = t.DOC_DRAFTING.format(kind=TITLES[kind.value].lower())
    ctx.post(View((Context(drafting),), drafting), doc_ref(session, kind.value))


async def on_pilot_resolve(ctx: Ctx, session: Session) -> None:
    """Resolve in a FlowPilot session: preview the resolution note first."""
    ctx.require_writer()
    ctx.ensure_open(session)
    await request_document(ctx, session, DocKind.RESOLUTION)


async def _current_preview(ctx: Ctx, session: Session, kind: str) -> DocumentPreview:
    if kind != DocKind.RESOLUTION.value:
        raise UserError(texts.BUTTON_NOT_NOW)
    ctx.ensure_open(session)
    preview = await ctx.uow.pilot.preview(ctx.team_id, session.id, kind)
    if preview is None or preview.state_version != session.state_version:
        ctx.whisper(t.DOC_STALE)
        await request_document(ctx, session, DocKind(kind))
        raise _Handled
    return preview


class _Handled(Exception):
    """The handler already answered (a fresh preview was requested)."""


async def on_confirm_post(ctx: Ctx, session: Session, value: str) -> None:
    """ "Confirm & post": resolve with the previewed note (Resolve means the active fix worked). As every
    resolution, ``finish_resolution`` queues the ticket notes and the session's indexing for search in this
    transaction; nothing here waits for the PSA or the embeddings service."""
    try:
        preview = await _current_preview(ctx, session, value)
    except _Handled:
        return
    sections = dict(preview.sections)
    summary = (sections.get("Resolution") or session.resolution_summary or "Resolved with FlowPilot").strip()
    expected = session.state_version
    fix = fix_rules.active(await ctx.uow.sessions.fixes(ctx.team_id, session.id))
    if fix_rules.settle_on_resolve(fix, ctx.now) and fix is not None:
        await ctx.uow.sessions.update_fix(fix)
    session.resolution_summary = summary[:2000]
    await finish_resolution(ctx, session, None, expected, resolution_text=document_text(preview.sections))


async def on_edit_document(ctx: Ctx, session: Session, value: str) -> None:
    """Open the previewed document in a form, one field per section."""
    try:
        preview = await _current_preview(ctx, session, value)
    except _Handled:
        return
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.DOCUMENT,
            f"Edit {TITLES[preview.kind].lower()}"[:24],
            session.id,
            session.state_version,
            tuple(
                Input(f"{SECTION_FIELD}{i}", heading, multiline=True, initial=body)
                for i, (heading, body) in enumerate(preview.sections)
            ),
            submit_label="Save preview",
        )
    )


async def on_document_form(ctx: Ctx, session: Session, values: dict[str, str]) -> None:
    """Keep the edited sections as the preview (the session's state is unchanged, so it stays current)."""
    preview = await ctx.uow.pilot.preview(ctx.team_id, session.id, DocKind.RESOLUTION.value)
    if preview is None or preview.state_version != session.state_version:
        raise UserError(t.DOC_STALE)
    edited = []
    for i, (heading, body) in enumerate(preview.sections):
        edited.append((heading, values.get(f"{SECTION_FIELD}{i}", body).strip() or body))
    preview.sections, preview.tier = edited, f"{preview.tier}, edited by {ctx.user.display_name}".lstrip(", ")
    await ctx.uow.pilot.put_preview(preview)
    ctx.update(preview_view(session, preview), doc_ref(session, preview.kind))

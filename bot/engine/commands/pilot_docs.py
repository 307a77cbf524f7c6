"""FlowPilot's documents: Resolve drafts the resolution note (previewed, editable), "Confirm & post" resolves the
session with it; the escalation package (``pilot_package``) shares the preview, its cache and its edit form. An
unchanged session shows the cached preview without calling the model again."""

from __future__ import annotations

from collections.abc import Collection

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
from bot.engine.pilot.status import posted
from bot.engine.replies import Context, Input, OpenForm, View

SECTION_FIELD = "s"
EDIT_FORMS = {DocKind.RESOLUTION: FormId.DOCUMENT, DocKind.ESCALATION: FormId.PACKAGE}


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


class Handled(Exception):
    """The handler already answered (a fresh preview was requested)."""


def doc_kind(value: str, allowed: Collection[DocKind]) -> DocKind:
    """The document kind a button or form names, if this action applies to it; else a ``UserError`` (a forged or
    mistaken kind changes nothing)."""
    kind = next((k for k in DocKind if k.value == value), None)
    if kind is None or kind not in allowed:
        raise UserError(t.DOC_BAD_KIND)
    return kind


async def current_preview(ctx: Ctx, session: Session, kind: DocKind) -> DocumentPreview:
    """The preview of ``kind`` if it still describes the session. A stale or missing one: the engineer is told, a
    fresh draft is requested and ``Handled`` is raised (the handler has answered)."""
    ctx.ensure_open(session)
    preview = await ctx.uow.pilot.preview(ctx.team_id, session.id, kind.value)
    if preview is None or preview.state_version != session.state_version:
        ctx.whisper(t.DOC_STALE)
        await request_document(ctx, session, kind)
        raise Handled
    return preview


async def on_confirm_post(ctx: Ctx, session: Session, value: str) -> None:
    """ "Confirm & post": resolve with the previewed note (Resolve means the active fix worked). As every
    resolution, ``finish_resolution`` queues the ticket notes and the session's indexing for search in this
    transaction; nothing here waits for the PSA or the embeddings service."""
    kind = doc_kind(value, (DocKind.RESOLUTION,))
    try:
        preview = await current_preview(ctx, session, kind)
    except Handled:
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
    """Open the previewed document in a form, one field per section (the form's id carries the kind). A package
    already sent to the ticket is not edited."""
    kind = doc_kind(value, EDIT_FORMS)
    try:
        preview = await current_preview(ctx, session, kind)
    except Handled:
        return
    if posted(preview) is not None:
        raise UserError(t.PACKAGE_EDIT_POSTED)
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            EDIT_FORMS[kind],
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


async def save_edit(ctx: Ctx, session: Session, kind: DocKind, values: dict[str, str]) -> None:
    """Keep the edited sections (headings and order unchanged) as the preview of ``kind``: the session's state is
    unchanged, so it stays current. A stale preview is redrafted instead, and the engineer is told."""
    try:
        preview = await current_preview(ctx, session, kind)
    except Handled:
        return
    if posted(preview) is not None:
        raise UserError(t.PACKAGE_EDIT_POSTED)
    edited = []
    for i, (heading, body) in enumerate(preview.sections):
        edited.append((heading, values.get(f"{SECTION_FIELD}{i}", body).strip() or body))
    preview.sections, preview.tier = edited, f"{preview.tier}, edited by {ctx.user.display_name}".lstrip(", ")
    await ctx.uow.pilot.put_preview(preview)
    ctx.update(preview_view(session, preview), doc_ref(session, preview.kind))


async def on_document_form(ctx: Ctx, session: Session, values: dict[str, str]) -> None:
    """The edited resolution note."""
    await save_edit(ctx, session, DocKind.RESOLUTION, values)


async def on_package_form(ctx: Ctx, session: Session, values: dict[str, str]) -> None:
    """The edited escalation package."""
    await save_edit(ctx, session, DocKind.ESCALATION, values)

"""The escalation's package and its ticket note (domain §11).

A preview that still describes the session (same state as when the engineer escalated) is used as it is, and is
not posted twice if the engineer already sent it. Otherwise FlowPilot's deep tier drafts it when FlowPilot runs the
session (or a guided session has Claude behind it): the draft is queued like any document (escalating never waits
for the model) and ``package_drafted``, called by the copilot worker when the draft is stored, queues the note. With
no copilot, or only the offline one on a guided session, the structured package (``bot.engine.escalation.package``)
is built from the session record at once.

The note goes to the linked ticket as an internal-analysis note through ``queue_escalation_note`` (redacted per the
team's setting, queued once). When the outbox reports it posted, ``note_delivered`` keeps the PSA note id on the
escalation and as the session's ``escalation_package_external_id``.
"""

from __future__ import annotations

from bot.engine.commands.pilot_docs import request_document
from bot.engine.commands.pilot_package import queue_escalation_note
from bot.engine.context import Ctx, UserError
from bot.engine.copilot import DocKind
from bot.engine.escalation import texts as t
from bot.engine.escalation.package import structured_package
from bot.engine.escalation.records import Escalation, PackageSource
from bot.engine.escalation.views import package_view
from bot.engine.events import ConversationRef, DeliveryReported, DeliveryState
from bot.engine.model import Session, SessionType
from bot.engine.pilot.records import DocumentPreview
from bot.engine.pilot.status import posted
from bot.engine.ports import StaleSessionError, UnitOfWork
from bot.engine.shown import shown
from bot.flows.model import Flow

KIND = DocKind.ESCALATION.value
SAVE_ATTEMPTS = 3


def uses_pilot(ctx: Ctx, session: Session) -> bool:
    """FlowPilot drafts the package: a FlowPilot session, or a guided one when Claude (not offline) is behind it."""
    if ctx.pilot is None:
        return False
    return session.session_type is SessionType.CHAT or ctx.pilot.mode != "offline"


def note_heading(escalation: Escalation) -> str:
    """The note's first line: who escalated, to whom, and why."""
    to = t.TO_TARGET.format(target=escalation.target_name) if escalation.target_name else ""
    reason = f": {escalation.reason}" if escalation.reason else "."
    return t.NOTE_HEADING.format(who=escalation.escalated_by_name, to=to, reason=reason)


async def attach_package(
    ctx: Ctx, session: Session, escalation: Escalation, flow: Flow | None, before: int
) -> list[str]:
    """Give the escalation its package (``before``: the session's state when the engineer escalated) and queue its
    ticket note; returns the lines that say where the package is. Nothing here waits for a model."""
    cached = await ctx.uow.pilot.preview(ctx.team_id, session.id, KIND)
    if cached is not None and cached.state_version == before and cached.sections:
        escalation.package = PackageSource.FLOWPILOT if cached.tier else PackageSource.STRUCTURED
        escalation.package_version = before
        return await send_package(ctx, session, escalation, cached)
    if uses_pilot(ctx, session):
        escalation.package, escalation.package_version = PackageSource.DRAFTING, session.state_version
        await request_document(ctx, session, DocKind.ESCALATION)
        if session.ticket is None:
            return [t.PACKAGE_DRAFTING_NO_TICKET]
        return [t.PACKAGE_DRAFTING.format(number=session.ticket.number)]
    timeline = await ctx.uow.sessions.timeline(ctx.team_id, session.id)
    facts = await ctx.uow.sessions.facts(ctx.team_id, session.id)
    fixes = await ctx.uow.sessions.fixes(ctx.team_id, session.id)
    sections = structured_package(session, flow, timeline, facts, fixes)
    preview = DocumentPreview(ctx.team_id, session.id, KIND, before, sections, ctx.now)
    await ctx.uow.pilot.put_preview(preview)
    escalation.package, escalation.package_version = PackageSource.STRUCTURED, before
    ctx.post(package_view(sections))
    return await send_package(ctx, session, escalation, preview)


async def send_package(ctx: Ctx, session: Session, escalation: Escalation, preview: DocumentPreview) -> list[str]:
    """Queue ``preview`` as the escalation's ticket note (once: a package the engineer already sent is the note),
    or say why it stays in the thread. Never raises: the escalation stands whatever happens to its note."""
    sent = posted(preview)
    if sent is not None:
        escalation.outbox_id = str(sent.get("outbox_id", ""))
        item = await ctx.uow.outbox.get(ctx.team_id, escalation.outbox_id) if escalation.outbox_id else None
        note_id = (item.result or {}).get("note_id") if item is not None else None
        if note_id:
            escalation.note_id = str(note_id)
            session.escalation_package_external_id = str(note_id)
            session.escalation_package_posted_at = item.delivered_at if item is not None else None
        return [t.PACKAGE_WAS_SENT.format(number=sent.get("ticket", "?"))]
    if session.ticket is None:
        return [t.PACKAGE_NO_TICKET]
    number = session.ticket.number
    if ctx.psa is None or await ctx.psa.for_team(ctx.team_id) is None:
        return [t.PACKAGE_NO_PSA.format(number=number)]
    try:
        item = await queue_escalation_note(ctx, session, preview, heading=note_heading(escalation))
    except UserError as err:  # e.g. the text could not be masked: the escalation goes ahead without the note
        return [err.message]
    escalation.outbox_id = item.id
    return [t.PACKAGE_QUEUED.format(number=number)]


async def package_drafted(ctx: Ctx, preview: DocumentPreview) -> None:
    """FlowPilot stored a draft (called by the copilot worker in the transaction that stores it): when the session's
    escalation waits for its package, queue the ticket note now. Anything else is left alone."""
    if preview.kind != KIND or not preview.sections:
        return
    escalation = await ctx.uow.escalations.latest_for_session(ctx.team_id, preview.session_id)
    if escalation is None or escalation.package is not PackageSource.DRAFTING:
        return
    if preview.state_version < escalation.package_version:
        return
    session = await ctx.uow.sessions.get(ctx.team_id, preview.session_id)
    if session is None:
        return
    ctx.target = ConversationRef.from_dict(session.conversation)
    escalation.package = PackageSource.FLOWPILOT
    lines = await send_package(ctx, session, escalation, preview)
    await ctx.uow.escalations.update(escalation)
    if not escalation.outbox_id:  # a queued note shows its own status line in the thread
        ctx.say(shown(" ".join(lines)))


async def note_delivered(uow: UnitOfWork, event: DeliveryReported) -> None:
    """The outbox posted a note (called with the delivery report, in its transaction): when it is an escalation's
    package, keep the PSA note id on the escalation and as the session's escalation package external id.

    The session is saved without a new state version (bookkeeping must not make buttons stale), re-read on a
    concurrent change; a claim copies the id onto the session again (``escalation_claim``)."""
    if event.state is not DeliveryState.DELIVERED:
        return
    escalation = await uow.escalations.by_outbox(event.team_id, event.outbox_id)
    item = await uow.outbox.get(event.team_id, event.outbox_id) if escalation is not None else None
    note_id = (item.result or {}).get("note_id") if item is not None else None
    if escalation is None or not note_id:
        return
    escalation.note_id = str(note_id)
    await uow.escalations.update(escalation)
    for _ in range(SAVE_ATTEMPTS):
        session = await uow.sessions.get(event.team_id, escalation.session_id)
        if session is None:
            return
        session.escalation_package_external_id = escalation.note_id
        session.escalation_package_posted_at = event.at
        try:
            await uow.sessions.save(session, session.state_version)
        except StaleSessionError:
            continue
        return

"""Build the neutral ``SessionDocument`` from a session, its timeline and facts, and render notes from it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.engine.context import Ctx
from bot.engine.model import Fact, Note, NoteKind, Session, TimelineEntry, TimelineKind
from bot.engine.ports import UnitOfWork
from bot.engine.team_settings import REDACT_EXPORTS, team_setting
from bot.flows.model import Flow
from bot.notes.document import DocEntry, EntryKind, SessionDocument
from bot.notes.render import RenderedNote, render

_KIND: dict[TimelineKind, EntryKind] = {
    TimelineKind.STEP_ANSWERED: EntryKind.STEP,
    TimelineKind.NOTE: EntryKind.NOTE,
    TimelineKind.CUSTOM_STEP: EntryKind.CUSTOM,
    TimelineKind.BACK: EntryKind.BACK,
    TimelineKind.TARGET_SKIPPED: EntryKind.STEP,
}
_SILENT = {
    TimelineKind.STARTED,
    TimelineKind.EXPORTED,
    TimelineKind.RESOLVED,
    TimelineKind.ABANDONED,
    TimelineKind.PSA_PUSHED,
    TimelineKind.PSA_PUSH_FAILED,
}
_EVENT_TITLES = {
    TimelineKind.PAUSED: "Paused",
    TimelineKind.RESUMED: "Resumed",
    TimelineKind.TICKET_LINKED: "Ticket linked",
    TimelineKind.VARIABLES_SET: "Intake form completed",
    TimelineKind.SUBFLOW_ENTERED: "Opened sub-flow",
    TimelineKind.SUBFLOW_RETURNED: "Returned to",
}


def entry_of(item: TimelineEntry) -> DocEntry | None:
    """The note line for one timeline entry (None for entries the note does not show)."""
    if item.kind in _SILENT:
        return None
    kind = _KIND.get(item.kind, EntryKind.EVENT)
    title = item.title
    if kind is EntryKind.EVENT:
        prefix = _EVENT_TITLES.get(item.kind, item.kind.value)
        title = f"{prefix}: {item.title}" if item.title and not item.title.startswith(prefix) else item.title or prefix
    detail = ""
    value = item.detail.get("value")
    if isinstance(value, str) and value and value != item.answer:
        detail = value
    target = item.detail.get("target")
    return DocEntry(
        at=item.at,
        kind=kind,
        title=title,
        answer=item.answer,
        actor=item.actor_name,
        detail=detail,
        target=str(target) if target else "",
    )


def build_document(
    session: Session,
    flow: Flow | None,
    engineer: str,
    timeline: Sequence[TimelineEntry],
    facts: Sequence[Fact],
    now: datetime,
    progress: str = "",
) -> SessionDocument:
    """Everything a note says about the session, in reading order."""
    entries = tuple(e for e in (entry_of(t) for t in timeline) if e is not None)
    return SessionDocument(
        flow_name=flow.name if flow else (session.title or "FlowPilot session"),
        flow_key=session.flow_key,
        flow_version=session.flow_version,
        engineer=engineer,
        started_at=session.started_at,
        ended_at=session.ended_at or now,
        status=session.status.value,
        ticket=session.ticket.number if session.ticket else "",
        ticket_summary=session.ticket.summary if session.ticket else "",
        problem=session.problem_summary,
        facts=tuple(f.text for f in facts),
        entries=entries,
        resolution=session.resolution_summary,
        followups=tuple(session.followups),
        variables=dict(session.variables),
        progress=progress,
    )


async def document_for(ctx: Ctx, session: Session, flow: Flow | None = None) -> SessionDocument:
    """Load what the note needs and build the document (``flow``: the session's current flow, when the caller has
    it already)."""
    from bot.engine.show import engineer_name

    name = await engineer_name(ctx, session)
    return await load_document(ctx.uow, ctx.team_id, session, ctx.now, name, current=flow)


async def load_document(
    uow: UnitOfWork,
    team_id: str,
    session: Session,
    now: datetime,
    engineer: str = "",
    *,
    current: Flow | None = None,
) -> SessionDocument:
    """The session documentation, read from the store (``engineer``: the name to show; by default the stored
    user's; ``current``: the session's current flow if the caller has it); what commands (``document_for``) and the
    share pages both render."""
    from bot.engine.views import progress

    first = session.flow_stack[0] if session.flow_stack else None
    if current is None and session.flow_key:
        current = await uow.flows.get(team_id, session.flow_key, session.flow_version)
    root = await uow.flows.get(team_id, first.flow_key, first.flow_version) if first else current
    if not engineer:
        user = await uow.users.get(team_id, session.engineer_id)
        engineer = user.display_name if user else "unknown"
    timeline = await uow.sessions.timeline(team_id, session.id)
    facts = await uow.sessions.facts(team_id, session.id)
    prog = progress(session, current) if current and current.targets else ""
    return build_document(session, root, engineer, timeline, facts, now, prog)


async def redaction_enabled(ctx: Ctx) -> bool:
    """The team's redaction setting (on unless a team admin turned it off)."""
    return await team_setting(ctx.uow, ctx.team_id, REDACT_EXPORTS)


async def store_note(
    ctx: Ctx, session: Session, kind: NoteKind, fmt: str = "md", doc: SessionDocument | None = None
) -> tuple[Note, RenderedNote]:
    """Render the session documentation (``doc``, when the caller built it already) and keep it as a note row."""
    doc = doc or await document_for(ctx, session)
    rendered = render(doc, fmt, redaction=await redaction_enabled(ctx))
    note = Note(
        id=ctx.ids.new(),
        team_id=ctx.team_id,
        session_id=session.id,
        kind=kind,
        format=fmt,
        body=rendered.body,
        created_at=ctx.now,
        redactions=dict(rendered.redactions),
    )
    await ctx.uow.notes.add(note)
    return note, rendered

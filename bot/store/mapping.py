"""Rows <-> domain dataclasses. Writes produce plain column dicts; reads build dataclasses from rows.

A row is anything with the table's column names as attributes: a Core ``Row`` of ``select(table)`` (what the
repositories read) or a mapped object.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.engine.model import (
    ConfidenceTier,
    Fact,
    FactSource,
    FixDecision,
    FixStatus,
    FlowFrame,
    IntakeType,
    Note,
    NoteKind,
    OutboxItem,
    Session,
    SessionStatus,
    SessionType,
    SuggestedFix,
    TaskLaneItem,
    Team,
    TicketLink,
    TimelineEntry,
    TimelineKind,
)

_SESSION_SPECIAL = {
    "session_type",
    "status",
    "intake_type",
    "confidence_tier",
    "flow_stack",
    "pending_task_lane",
    "ticket",
}
_SESSION_PLAIN = tuple(f.name for f in dataclasses.fields(Session) if f.name not in _SESSION_SPECIAL)
_LISTS = ("history", "targets_done", "followups", "evidence_items")
_TIMELINE_FIELDS = tuple(f.name for f in dataclasses.fields(TimelineEntry) if f.name != "seq")


def team_from_row(row: Any) -> Team:
    """A team from its row."""
    return Team(id=row.id, name=row.name, created_at=row.created_at)


def session_values(session: Session) -> dict[str, Any]:
    """Column values for a session (JSON columns get fresh copies, never the session's own lists)."""
    values = {name: getattr(session, name) for name in _SESSION_PLAIN}
    values.update({name: list(values[name]) for name in _LISTS})
    values["variables"] = dict(session.variables)
    values["conversation"] = dict(session.conversation)
    values["pilot_outcome"] = dict(session.pilot_outcome)
    ticket = session.ticket
    values.update(
        session_type=session.session_type.value,
        status=session.status.value,
        intake_type=session.intake_type.value,
        confidence_tier=session.confidence_tier.value,
        flow_stack=[
            {"flow_key": f.flow_key, "flow_version": f.flow_version, "return_node": f.return_node}
            for f in session.flow_stack
        ],
        pending_task_lane=[dataclasses.asdict(item) for item in session.pending_task_lane],
        ticket_number=ticket.number if ticket else None,
        ticket_summary=ticket.summary if ticket else "",
        ticket_company=ticket.company if ticket else "",
    )
    return values


def session_from_row(row: Any) -> Session:
    """A session from its row."""
    plain = {name: getattr(row, name) for name in _SESSION_PLAIN}
    plain.update({name: list(plain[name] or []) for name in _LISTS})
    plain["variables"] = dict(row.variables or {})
    plain["conversation"] = dict(row.conversation or {})
    plain["pilot_outcome"] = dict(row.pilot_outcome or {})
    ticket = TicketLink(row.ticket_number, row.ticket_summary, row.ticket_company) if row.ticket_number else None
    return Session(
        **plain,
        session_type=SessionType(row.session_type),
        status=SessionStatus(row.status),
        intake_type=IntakeType(row.intake_type),
        confidence_tier=ConfidenceTier(row.confidence_tier),
        flow_stack=[
            FlowFrame(str(f["flow_key"]), int(f["flow_version"]), str(f["return_node"])) for f in row.flow_stack or []
        ],
        pending_task_lane=[
            TaskLaneItem(**{**item, "options": list(item.get("options", []))}) for item in row.pending_task_lane or []
        ],
        ticket=ticket,
    )


def timeline_values(entry: TimelineEntry) -> dict[str, Any]:
    """Column values for a timeline entry, without ``seq`` (the repository assigns it)."""
    values = {name: getattr(entry, name) for name in _TIMELINE_FIELDS}  # no deep copy: it is serialized at once
    values["kind"] = entry.kind.value
    values["detail"] = dict(entry.detail)
    return values


def timeline_from_row(row: Any) -> TimelineEntry:
    """A timeline entry from its row."""
    return TimelineEntry(
        id=row.id,
        team_id=row.team_id,
        session_id=row.session_id,
        at=row.at,
        kind=TimelineKind(row.kind),
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        node_id=row.node_id,
        title=row.title,
        answer=row.answer,
        detail=dict(row.detail or {}),
        seq=row.seq,
    )


def fact_values(fact: Fact) -> dict[str, Any]:
    """Column values for a fact."""
    return {**dataclasses.asdict(fact), "source": fact.source.value}


def fact_from_row(row: Any) -> Fact:
    """A fact from its row."""
    return Fact(
        id=row.id,
        team_id=row.team_id,
        session_id=row.session_id,
        text=row.text,
        source=FactSource(row.source),
        created_at=row.created_at,
        summary=row.summary,
        source_ref=row.source_ref,
        deleted_at=row.deleted_at,
    )


def fix_values(fix: SuggestedFix) -> dict[str, Any]:
    """Column values for a suggested fix."""
    return {
        **dataclasses.asdict(fix),
        "user_decision": fix.user_decision.value if fix.user_decision else None,
        "status": fix.status.value,
    }


def fix_from_row(row: Any) -> SuggestedFix:
    """A suggested fix from its row."""
    return SuggestedFix(
        id=row.id,
        team_id=row.team_id,
        session_id=row.session_id,
        title=row.title,
        created_at=row.created_at,
        description=row.description,
        confidence=row.confidence,
        script=row.script,
        script_language=row.script_language,
        template_id=row.template_id,
        template_params=dict(row.template_params or {}),
        user_decision=FixDecision(row.user_decision) if row.user_decision else None,
        status=FixStatus(row.status),
        status_reason=row.status_reason,
        superseded_at=row.superseded_at,
        applied_at=row.applied_at,
        verified_at=row.verified_at,
    )


def note_values(note: Note) -> dict[str, Any]:
    """Column values for a note."""
    return {**dataclasses.asdict(note), "kind": note.kind.value}


def note_from_row(row: Any) -> Note:
    """A note from its row."""
    return Note(
        id=row.id,
        team_id=row.team_id,
        session_id=row.session_id,
        kind=NoteKind(row.kind),
        format=row.format,
        body=row.body,
        created_at=row.created_at,
        redactions=dict(row.redactions or {}),
        external_id=row.external_id,
        posted_at=row.posted_at,
    )


def outbox_values(item: OutboxItem) -> dict[str, Any]:
    """Column values for an outbox item."""
    return dataclasses.asdict(item)


def outbox_from_row(row: Any) -> OutboxItem:
    """An outbox item from its row."""
    return OutboxItem(
        id=row.id,
        team_id=row.team_id,
        kind=row.kind,
        payload=dict(row.payload or {}),
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        result=dict(row.result or {}),
    )

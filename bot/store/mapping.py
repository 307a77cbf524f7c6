"""Rows <-> domain dataclasses for sessions and their records."""

from __future__ import annotations

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
    TicketLink,
    TimelineEntry,
    TimelineKind,
)
from bot.store.tables import FactRow, NoteRow, OutboxRow, SessionRow, SuggestedFixRow, TimelineRow

_PLAIN_SESSION_FIELDS = (
    "id",
    "team_id",
    "engineer_id",
    "conversation",
    "conversation_key",
    "started_at",
    "updated_at",
    "ended_at",
    "title",
    "problem_summary",
    "flow_key",
    "flow_version",
    "current_node",
    "history",
    "variables",
    "target_index",
    "targets_done",
    "custom_step",
    "state_version",
    "step_count",
    "resolution_summary",
    "followups",
    "client_name",
    "asset_name",
    "issue_category",
    "triage_hypothesis",
    "evidence_items",
    "problem_domain",
    "match_score",
    "confidence",
    "escalation_reason",
    "escalation_target",
    "resolution_note_external_id",
    "resolution_note_posted_at",
    "escalation_package_external_id",
    "escalation_package_posted_at",
)


def session_values(session: Session) -> dict[str, Any]:
    """Column values for a session."""
    values = {name: getattr(session, name) for name in _PLAIN_SESSION_FIELDS}
    values.update(
        session_type=session.session_type.value,
        status=session.status.value,
        intake_type=session.intake_type.value,
        confidence_tier=session.confidence_tier.value,
        flow_stack=[[f.flow_key, f.flow_version, f.return_node] for f in session.flow_stack],
        pending_task_lane=[vars_of(item) for item in session.pending_task_lane],
        ticket_number=session.ticket.number if session.ticket else None,
        ticket_summary=session.ticket.summary if session.ticket else "",
        ticket_company=session.ticket.company if session.ticket else "",
        history=list(session.history),
        variables=dict(session.variables),
        targets_done=list(session.targets_done),
        followups=list(session.followups),
        evidence_items=list(session.evidence_items),
    )
    return values


def vars_of(item: TaskLaneItem) -> dict[str, Any]:
    """A task-lane item as JSON."""
    return {
        "id": item.id,
        "kind": item.kind,
        "text": item.text,
        "options": list(item.options),
        "command": item.command,
        "status": item.status,
        "answer": item.answer,
    }


def session_from_row(row: SessionRow) -> Session:
    """A session from its row."""
    plain = {name: getattr(row, name) for name in _PLAIN_SESSION_FIELDS}
    return Session(
        **plain,
        session_type=SessionType(row.session_type),
        status=SessionStatus(row.status),
        intake_type=IntakeType(row.intake_type),
        confidence_tier=ConfidenceTier(row.confidence_tier),
        flow_stack=[FlowFrame(str(k), int(v), str(r)) for k, v, r in row.flow_stack or []],
        pending_task_lane=[TaskLaneItem(**item) for item in row.pending_task_lane or []],
        ticket=TicketLink(row.ticket_number, row.ticket_summary, row.ticket_company) if row.ticket_number else None,
    )


def timeline_from_row(row: TimelineRow) -> TimelineEntry:
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


def fact_from_row(row: FactRow) -> Fact:
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
        "id": fix.id,
        "team_id": fix.team_id,
        "session_id": fix.session_id,
        "title": fix.title,
        "description": fix.description,
        "confidence": fix.confidence,
        "script": fix.script,
        "script_language": fix.script_language,
        "template_id": fix.template_id,
        "template_params": dict(fix.template_params),
        "user_decision": fix.user_decision.value if fix.user_decision else None,
        "status": fix.status.value,
        "status_reason": fix.status_reason,
        "created_at": fix.created_at,
        "superseded_at": fix.superseded_at,
        "applied_at": fix.applied_at,
        "verified_at": fix.verified_at,
    }


def fix_from_row(row: SuggestedFixRow) -> SuggestedFix:
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


def note_from_row(row: NoteRow) -> Note:
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


def outbox_from_row(row: OutboxRow) -> OutboxItem:
    """An outbox item from its row."""
    return OutboxItem(
        id=row.id,
        team_id=row.team_id,
        kind=row.kind,
        payload=dict(row.payload),
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
    )

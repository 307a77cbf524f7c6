"""SQLAlchemy 2 tables. Every team-owned row carries ``team_id``; flows with no team are public."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (identical migrations on both databases)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


def team_fk() -> Mapped[str]:
    """The non-null tenant column."""
    return mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False, index=True)


class TeamRow(Base):
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime | None]


class UserIdentityRow(Base):
    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("team_id", "platform", "platform_user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = team_fk()
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(40))
    platform_user_id: Mapped[str] = mapped_column(String(200))


class AccountSettingsRow(Base):
    __tablename__ = "account_settings"
    team_id: Mapped[str] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    prefs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class FlowRow(Base):
    __tablename__ = "flows"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str | None] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(40))  # "public" or the team id: never NULL, so unique works
    key: Mapped[str] = mapped_column(String(120))
    visibility: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class FlowVersionRow(Base):
    __tablename__ = "flow_versions"
    __table_args__ = (UniqueConstraint("flow_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow_id: Mapped[str] = mapped_column(ID, ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_conversation", "team_id", "conversation_key", "status"),
        Index("ix_sessions_engineer", "team_id", "engineer_id", "status"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    engineer_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    conversation: Mapped[dict[str, Any]] = mapped_column(JSON)
    conversation_key: Mapped[str] = mapped_column(String(400))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    session_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    intake_type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300), default="")
    problem_summary: Mapped[str] = mapped_column(Text, default="")
    flow_key: Mapped[str] = mapped_column(String(120), default="")
    flow_version: Mapped[int] = mapped_column(Integer, default=0)
    current_node: Mapped[str] = mapped_column(String(120), default="")
    flow_stack: Mapped[list[Any]] = mapped_column(JSON, default=list)
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    target_index: Mapped[int] = mapped_column(Integer, default=0)
    targets_done: Mapped[list[Any]] = mapped_column(JSON, default=list)
    custom_step: Mapped[str] = mapped_column(String(300), default="")
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    ticket_summary: Mapped[str] = mapped_column(Text, default="")
    ticket_company: Mapped[str] = mapped_column(String(300), default="")
    state_version: Mapped[int] = mapped_column(Integer, default=0)
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    followups: Mapped[list[Any]] = mapped_column(JSON, default=list)
    client_name: Mapped[str] = mapped_column(String(300), default="")
    asset_name: Mapped[str] = mapped_column(String(300), default="")
    issue_category: Mapped[str] = mapped_column(String(200), default="")
    triage_hypothesis: Mapped[str] = mapped_column(Text, default="")
    evidence_items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    problem_domain: Mapped[str] = mapped_column(String(200), default="")
    match_score: Mapped[float | None]
    confidence_tier: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(default=0.0)
    pending_task_lane: Mapped[list[Any]] = mapped_column(JSON, default=list)
    escalation_reason: Mapped[str] = mapped_column(Text, default="")
    escalation_target: Mapped[str] = mapped_column(String(200), default="")
    resolution_note_external_id: Mapped[str] = mapped_column(String(100), default="")
    resolution_note_posted_at: Mapped[datetime | None]
    escalation_package_external_id: Mapped[str] = mapped_column(String(100), default="")
    escalation_package_posted_at: Mapped[datetime | None]


class TimelineRow(Base):
    __tablename__ = "session_timeline"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str] = mapped_column(ID)
    actor_name: Mapped[str] = mapped_column(String(200))
    node_id: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FactRow(Base):
    __tablename__ = "session_facts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(30))
    source_ref: Mapped[str] = mapped_column(String(36), default="")  # task-lane item UUID, deliberately no FK
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class SuggestedFixRow(Base):
    __tablename__ = "suggested_fixes"
    __table_args__ = (Index("ix_suggested_fixes_active", "session_id", "superseded_at"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, ForeignKey("sessions.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[int] = mapped_column(Integer, default=0)
    script: Mapped[str] = mapped_column(Text, default="")
    script_language: Mapped[str] = mapped_column(String(20), default="")
    template_id: Mapped[str] = mapped_column(String(36), default="")
    template_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_decision: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    applied_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]


class ScriptGenerationRow(Base):
    __tablename__ = "script_generations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(20))
    script: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class NoteRow(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    redactions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    external_id: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]


class InboxRow(Base):
    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("team_id", "dedupe_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = team_fk()
    dedupe_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "idempotency_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

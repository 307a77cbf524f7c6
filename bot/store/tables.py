"""SQLAlchemy 2 tables, portable across SQLite and PostgreSQL.

Tenancy: every team-owned row carries a non-null ``team_id``; rows that hang off a session or a user reference
it by ``(id, team_id)``, so the database itself refuses a row whose team differs from its parent's. Flows with no
team are public (``scope`` is ``"public"`` or the team id, never NULL, so ``UNIQUE (scope, key)`` holds).
Free text is ``Text`` (PostgreSQL enforces ``VARCHAR`` lengths and SQLite does not, so only ids, keys and enum
values get a ``String(n)``). Datetimes are timezone-aware UTC both ways (``UtcDateTime``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.search_tables import add_search_tables
from bot.store.slack_tables import add_slack_tables
from bot.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)
KEY = String(200)
ENUM = String(40)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention, so migrations name things identically everywhere."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        str: Text(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def team_fk(index: bool = True) -> Mapped[str]:
    """The non-null tenant column (no separate index where a composite index already starts with it)."""
    return mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False, index=index)


def session_fk() -> ForeignKeyConstraint:
    """``(session_id, team_id)`` -> ``sessions (id, team_id)``: a child row always belongs to its session's team."""
    return ForeignKeyConstraint(["session_id", "team_id"], ["sessions.id", "sessions.team_id"], ondelete="CASCADE")


class TeamRow(Base):
    """A tenant."""

    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(KEY, unique=True)
    created_at: Mapped[datetime]


class UserRow(Base):
    """A person in a team."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("id", "team_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    display_name: Mapped[str]
    role: Mapped[str] = mapped_column(ENUM)
    email: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime | None]


class UserIdentityRow(Base):
    """One chat identity of a user; unique per team and platform."""

    __tablename__ = "user_identities"
    __table_args__ = (
        UniqueConstraint("team_id", "platform", "platform_user_id"),
        ForeignKeyConstraint(["user_id", "team_id"], ["users.id", "users.team_id"], ondelete="CASCADE"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = team_fk(index=False)
    user_id: Mapped[str] = mapped_column(ID, index=True)
    platform: Mapped[str] = mapped_column(ENUM)
    platform_user_id: Mapped[str] = mapped_column(KEY)


class AccountSettingsRow(Base):
    """Per-team JSON preferences, created on first write."""

    __tablename__ = "account_settings"
    team_id: Mapped[str] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    prefs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class PsaConnectionRow(Base):
    """A team's PSA connection; ``public_key`` and ``private_key`` hold ciphertext (``bot.store.secrets``)."""

    __tablename__ = "psa_connections"
    team_id: Mapped[str] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    provider: Mapped[str] = mapped_column(ENUM)
    site_url: Mapped[str] = mapped_column(KEY)
    company_id: Mapped[str] = mapped_column(KEY)
    public_key: Mapped[str]
    private_key: Mapped[str]
    client_id: Mapped[str] = mapped_column(KEY)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class PsaMemberLinkRow(Base):
    """Which PSA member a user is (found by e-mail, or set by a team admin)."""

    __tablename__ = "psa_member_links"
    __table_args__ = (ForeignKeyConstraint(["user_id", "team_id"], ["users.id", "users.team_id"], ondelete="CASCADE"),)
    team_id: Mapped[str] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)
    member_id: Mapped[int]
    identifier: Mapped[str] = mapped_column(KEY)
    name: Mapped[str] = mapped_column(KEY, default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    source: Mapped[str] = mapped_column(ENUM)  # auto | manual
    updated_at: Mapped[datetime]


class FlowRow(Base):
    """A flow key within a scope (public or one team); its versions are in ``flow_versions``."""

    __tablename__ = "flows"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str | None] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(ID)  # "public" or the team id
    key: Mapped[str] = mapped_column(KEY)
    visibility: Mapped[str] = mapped_column(ENUM)
    created_at: Mapped[datetime]


class FlowVersionRow(Base):
    """One immutable version of a flow: its YAML source and publication status."""

    __tablename__ = "flow_versions"
    __table_args__ = (UniqueConstraint("flow_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow_id: Mapped[str] = mapped_column(ID, ForeignKey("flows.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(ENUM)
    name: Mapped[str]
    kind: Mapped[str] = mapped_column(ENUM)
    source: Mapped[str]
    created_at: Mapped[datetime]


class SessionRow(Base):
    """A session; list-valued state is JSON, the ticket link is three columns."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("id", "team_id"),
        ForeignKeyConstraint(["engineer_id", "team_id"], ["users.id", "users.team_id"]),
        Index("ix_sessions_conversation", "team_id", "conversation_key", "status"),
        Index("ix_sessions_engineer", "team_id", "engineer_id", "status"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    engineer_id: Mapped[str] = mapped_column(ID)
    conversation: Mapped[dict[str, Any]]
    conversation_key: Mapped[str] = mapped_column(String(400))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    session_type: Mapped[str] = mapped_column(ENUM)
    status: Mapped[str] = mapped_column(ENUM)
    intake_type: Mapped[str] = mapped_column(ENUM)
    title: Mapped[str] = mapped_column(default="")
    problem_summary: Mapped[str] = mapped_column(default="")
    flow_key: Mapped[str] = mapped_column(KEY, default="")
    flow_version: Mapped[int] = mapped_column(default=0)
    current_node: Mapped[str] = mapped_column(KEY, default="")
    flow_stack: Mapped[list[Any]] = mapped_column(default=list)
    history: Mapped[list[Any]] = mapped_column(default=list)
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    target_index: Mapped[int] = mapped_column(default=0)
    targets_done: Mapped[list[Any]] = mapped_column(default=list)
    custom_step: Mapped[str] = mapped_column(default="")
    ticket_number: Mapped[str | None] = mapped_column(KEY)
    ticket_summary: Mapped[str] = mapped_column(default="")
    ticket_company: Mapped[str] = mapped_column(default="")
    state_version: Mapped[int] = mapped_column(default=0)
    step_count: Mapped[int] = mapped_column(default=0)
    resolution_summary: Mapped[str] = mapped_column(default="")
    followups: Mapped[list[Any]] = mapped_column(default=list)
    client_name: Mapped[str] = mapped_column(default="")
    asset_name: Mapped[str] = mapped_column(default="")
    issue_category: Mapped[str] = mapped_column(default="")
    triage_hypothesis: Mapped[str] = mapped_column(default="")
    evidence_items: Mapped[list[Any]] = mapped_column(default=list)
    problem_domain: Mapped[str] = mapped_column(default="")
    match_score: Mapped[float | None]
    confidence_tier: Mapped[str] = mapped_column(ENUM)
    confidence: Mapped[float] = mapped_column(default=0.0)
    pending_task_lane: Mapped[list[Any]] = mapped_column(default=list)
    escalation_reason: Mapped[str] = mapped_column(default="")
    escalation_target: Mapped[str] = mapped_column(default="")
    resolution_note_external_id: Mapped[str] = mapped_column(KEY, default="")
    resolution_note_posted_at: Mapped[datetime | None]
    escalation_package_external_id: Mapped[str] = mapped_column(KEY, default="")
    escalation_package_posted_at: Mapped[datetime | None]
    pilot_preference: Mapped[str] = mapped_column(ENUM, default="")
    pilot_turns: Mapped[int] = mapped_column(default=0)
    pilot_outcome: Mapped[dict[str, Any]] = mapped_column(default=dict)
    matched_flow: Mapped[str] = mapped_column(KEY, default="")


class TimelineRow(Base):
    """An append-only timeline entry; ``seq`` is 1, 2, 3 … within the session."""

    __tablename__ = "session_timeline"
    __table_args__ = (UniqueConstraint("session_id", "seq"), session_fk())
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID)
    seq: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(ENUM)
    actor_id: Mapped[str] = mapped_column(ID)
    actor_name: Mapped[str]
    node_id: Mapped[str] = mapped_column(KEY, default="")
    title: Mapped[str] = mapped_column(default="")
    answer: Mapped[str] = mapped_column(default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FactRow(Base):
    """A confirmed fact; ``source_ref`` names a task-lane item (deliberately no FK); soft-deleted."""

    __tablename__ = "session_facts"
    __table_args__ = (session_fk(),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, index=True)
    text: Mapped[str]
    summary: Mapped[str] = mapped_column(default="")
    source: Mapped[str] = mapped_column(ENUM)
    source_ref: Mapped[str] = mapped_column(KEY, default="")
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class SuggestedFixRow(Base):
    """A suggested fix. "At most one active (not superseded) per session" is an engine rule; indexed here."""

    __tablename__ = "suggested_fixes"
    __table_args__ = (session_fk(), Index("ix_suggested_fixes_active", "session_id", "superseded_at"))
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID)
    title: Mapped[str]
    description: Mapped[str] = mapped_column(default="")
    confidence: Mapped[int] = mapped_column(default=0)
    script: Mapped[str] = mapped_column(default="")
    script_language: Mapped[str] = mapped_column(ENUM, default="")
    template_id: Mapped[str] = mapped_column(KEY, default="")
    template_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    user_decision: Mapped[str | None] = mapped_column(ENUM)
    status: Mapped[str] = mapped_column(ENUM)
    status_reason: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    applied_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]


class ScriptGenerationRow(Base):
    """A script FlowPilot drafted (stored, never executed)."""

    __tablename__ = "script_generations"
    __table_args__ = (session_fk(),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, index=True)
    language: Mapped[str] = mapped_column(ENUM)
    script: Mapped[str]
    purpose: Mapped[str] = mapped_column(default="")
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class DocumentPreviewRow(Base):
    """The last generated preview of a session's document, valid while the session's ``state_version`` is unchanged."""

    __tablename__ = "document_previews"
    __table_args__ = (session_fk(),)
    session_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(ENUM, primary_key=True)
    team_id: Mapped[str] = team_fk()
    state_version: Mapped[int]
    sections: Mapped[list[Any]]
    assessment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tier: Mapped[str] = mapped_column(ENUM, default="")
    created_at: Mapped[datetime]


class FlowProposalRow(Base):
    """A proposed flow (AI flow builder, knowledge flywheel) waiting for a team admin's review."""

    __tablename__, __table_args__ = "flow_proposals", (Index("ix_flow_proposals_status", "team_id", "status"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    proposal_type: Mapped[str] = mapped_column(ENUM)
    status: Mapped[str] = mapped_column(ENUM)
    flow_key: Mapped[str] = mapped_column(KEY)
    name: Mapped[str]
    source: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(default="")
    source_session_id: Mapped[str] = mapped_column(ID, default="")
    created_by: Mapped[str] = mapped_column(ID, default="")
    validated_by_outcome: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class NoteRow(Base):
    """A rendered document and, once posted, its PSA id."""

    __tablename__ = "notes"
    __table_args__ = (session_fk(),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk()
    session_id: Mapped[str] = mapped_column(ID, index=True)
    kind: Mapped[str] = mapped_column(ENUM)
    format: Mapped[str] = mapped_column(ENUM)
    body: Mapped[str]
    redactions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    external_id: Mapped[str] = mapped_column(KEY, default="")
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]


class InboxRow(Base):
    """An inbound event, unique per (team, dedupe key)."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("team_id", "dedupe_key"), Index("ix_inbox_pending", "processed_at", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = team_fk(index=False)
    dedupe_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(ENUM)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(default="")


class OutboxRow(Base):
    """An outside effect to deliver, unique per (team, idempotency key)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "idempotency_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    kind: Mapped[str] = mapped_column(ENUM)
    payload: Mapped[dict[str, Any]]
    idempotency_key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(ENUM)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]


class ChatMessageRow(Base):
    """Where a platform put a message the engine named (its ``ref``), so later updates find it."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("team_id", "platform", "ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = team_fk(index=False)
    platform: Mapped[str] = mapped_column(ENUM)
    ref: Mapped[str] = mapped_column(KEY)
    channel: Mapped[str] = mapped_column(KEY)
    message_id: Mapped[str] = mapped_column(KEY)
    thread: Mapped[str] = mapped_column(KEY, default="")
    updated_at: Mapped[datetime]


SLACK_INSTALLATIONS, SLACK_BOTS, SLACK_OAUTH_STATES = add_slack_tables(Base.metadata)
SEARCH_DOCUMENTS, SEARCH_VECTORS = add_search_tables(Base.metadata)

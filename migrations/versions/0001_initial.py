"""Initial schema: teams, users, settings, versioned flows, sessions and their records, inbox, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Generated with ``alembic revision --autogenerate`` against an empty PostgreSQL database and tidied by hand:
helpers for the repeated columns, ``sa.DateTime(timezone=True)`` instead of the app's ``UtcDateTime`` decorator
(same DDL; migrations import no app code). Constraint names follow ``bot.store.tables.NAMING``. Tables are
created parents-first and dropped children-first; dropping a table drops its indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
KEY = sa.String(length=200)
ENUM = sa.String(length=40)


def ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False)


def col(name: str, type_: sa.types.TypeEngine, nullable: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=nullable)


def team_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=f"fk_{table}_team_id_teams", ondelete="CASCADE")


def session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["session_id", "team_id"],
        ["sessions.id", "sessions.team_id"],
        name=f"fk_{table}_session_id_sessions",
        ondelete="CASCADE",
    )


def index(name: str, table: str, *columns: str) -> None:
    op.create_index(name, table, list(columns), unique=False)


def upgrade() -> None:
    op.create_table(
        "teams",
        col("id", ID),
        col("name", KEY),
        ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_table(
        "account_settings",
        col("team_id", ID),
        col("prefs", sa.JSON()),
        ts("updated_at"),
        team_fk("account_settings"),
        sa.PrimaryKeyConstraint("team_id", name="pk_account_settings"),
    )
    op.create_table(
        "users",
        col("id", ID),
        col("team_id", ID),
        text("display_name"),
        col("role", ENUM),
        col("email", sa.String(length=320)),
        ts("created_at", nullable=True),
        team_fk("users"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("id", "team_id", name="uq_users_id_team_id"),
    )
    index("ix_users_team_id", "users", "team_id")
    op.create_table(
        "user_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        col("team_id", ID),
        col("user_id", ID),
        col("platform", ENUM),
        col("platform_user_id", KEY),
        team_fk("user_identities"),
        sa.ForeignKeyConstraint(
            ["user_id", "team_id"],
            ["users.id", "users.team_id"],
            name="fk_user_identities_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_identities"),
        sa.UniqueConstraint(
            "team_id", "platform", "platform_user_id", name="uq_user_identities_team_id_platform_platform_user_id"
        ),
    )
    index("ix_user_identities_user_id", "user_identities", "user_id")

    op.create_table(
        "flows",
        col("id", ID),
        col("team_id", ID, nullable=True),
        col("scope", ID),
        col("key", KEY),
        col("visibility", ENUM),
        ts("created_at"),
        team_fk("flows"),
        sa.PrimaryKeyConstraint("id", name="pk_flows"),
        sa.UniqueConstraint("scope", "key", name="uq_flows_scope_key"),
    )
    index("ix_flows_team_id", "flows", "team_id")
    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        col("flow_id", ID),
        col("version", sa.Integer()),
        col("status", ENUM),
        text("name"),
        col("kind", ENUM),
        text("source"),
        ts("created_at"),
        sa.ForeignKeyConstraint(["flow_id"], ["flows.id"], name="fk_flow_versions_flow_id_flows", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_flow_versions"),
        sa.UniqueConstraint("flow_id", "version", name="uq_flow_versions_flow_id_version"),
    )

    op.create_table(
        "sessions",
        col("id", ID),
        col("team_id", ID),
        col("engineer_id", ID),
        col("conversation", sa.JSON()),
        col("conversation_key", sa.String(length=400)),
        ts("started_at"),
        ts("updated_at"),
        ts("ended_at", nullable=True),
        col("session_type", ENUM),
        col("status", ENUM),
        col("intake_type", ENUM),
        text("title"),
        text("problem_summary"),
        col("flow_key", KEY),
        col("flow_version", sa.Integer()),
        col("current_node", KEY),
        col("flow_stack", sa.JSON()),
        col("history", sa.JSON()),
        col("variables", sa.JSON()),
        col("target_index", sa.Integer()),
        col("targets_done", sa.JSON()),
        text("custom_step"),
        col("ticket_number", KEY, nullable=True),
        text("ticket_summary"),
        text("ticket_company"),
        col("state_version", sa.Integer()),
        col("step_count", sa.Integer()),
        text("resolution_summary"),
        col("followups", sa.JSON()),
        text("client_name"),
        text("asset_name"),
        text("issue_category"),
        text("triage_hypothesis"),
        col("evidence_items", sa.JSON()),
        text("problem_domain"),
        col("match_score", sa.Double(), nullable=True),
        col("confidence_tier", ENUM),
        col("confidence", sa.Double()),
        col("pending_task_lane", sa.JSON()),
        text("escalation_reason"),
        text("escalation_target"),
        col("resolution_note_external_id", KEY),
        ts("resolution_note_posted_at", nullable=True),
        col("escalation_package_external_id", KEY),
        ts("escalation_package_posted_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["engineer_id", "team_id"], ["users.id", "users.team_id"], name="fk_sessions_engineer_id_users"
        ),
        team_fk("sessions"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("id", "team_id", name="uq_sessions_id_team_id"),
    )
    index("ix_sessions_conversation", "sessions", "team_id", "conversation_key", "status")
    index("ix_sessions_engineer", "sessions", "team_id", "engineer_id", "status")

    op.create_table(
        "session_timeline",
        col("id", ID),
        col("team_id", ID),
        col("session_id", ID),
        col("seq", sa.Integer()),
        ts("at"),
        col("kind", ENUM),
        col("actor_id", ID),
        text("actor_name"),
        col("node_id", KEY),
        text("title"),
        text("answer"),
        col("detail", sa.JSON()),
        session_fk("session_timeline"),
        team_fk("session_timeline"),
        sa.PrimaryKeyConstraint("id", name="pk_session_timeline"),
        sa.UniqueConstraint("session_id", "seq", name="uq_session_timeline_session_id_seq"),
    )
    index("ix_session_timeline_team_id", "session_timeline", "team_id")
    op.create_table(
        "session_facts",
        col("id", ID),
        col("team_id", ID),
        col("session_id", ID),
        text("text"),
        text("summary"),
        col("source", ENUM),
        col("source_ref", KEY),
        ts("created_at"),
        ts("deleted_at", nullable=True),
        session_fk("session_facts"),
        team_fk("session_facts"),
        sa.PrimaryKeyConstraint("id", name="pk_session_facts"),
    )
    index("ix_session_facts_session_id", "session_facts", "session_id")
    index("ix_session_facts_team_id", "session_facts", "team_id")
    op.create_table(
        "suggested_fixes",
        col("id", ID),
        col("team_id", ID),
        col("session_id", ID),
        text("title"),
        text("description"),
        col("confidence", sa.Integer()),
        text("script"),
        col("script_language", ENUM),
        col("template_id", KEY),
        col("template_params", sa.JSON()),
        col("user_decision", ENUM, nullable=True),
        col("status", ENUM),
        text("status_reason"),
        ts("created_at"),
        ts("superseded_at", nullable=True),
        ts("applied_at", nullable=True),
        ts("verified_at", nullable=True),
        session_fk("suggested_fixes"),
        team_fk("suggested_fixes"),
        sa.PrimaryKeyConstraint("id", name="pk_suggested_fixes"),
    )
    index("ix_suggested_fixes_active", "suggested_fixes", "session_id", "superseded_at")
    index("ix_suggested_fixes_team_id", "suggested_fixes", "team_id")
    op.create_table(
        "script_generations",
        col("id", ID),
        col("team_id", ID),
        col("session_id", ID),
        col("language", ENUM),
        text("script"),
        text("purpose"),
        col("parameters", sa.JSON()),
        ts("created_at"),
        session_fk("script_generations"),
        team_fk("script_generations"),
        sa.PrimaryKeyConstraint("id", name="pk_script_generations"),
    )
    index("ix_script_generations_session_id", "script_generations", "session_id")
    index("ix_script_generations_team_id", "script_generations", "team_id")
    op.create_table(
        "notes",
        col("id", ID),
        col("team_id", ID),
        col("session_id", ID),
        col("kind", ENUM),
        col("format", ENUM),
        text("body"),
        col("redactions", sa.JSON()),
        col("external_id", KEY),
        ts("created_at"),
        ts("posted_at", nullable=True),
        session_fk("notes"),
        team_fk("notes"),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
    )
    index("ix_notes_session_id", "notes", "session_id")
    index("ix_notes_team_id", "notes", "team_id")

    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        col("team_id", ID),
        col("dedupe_key", sa.String(length=300)),
        col("kind", ENUM),
        col("payload", sa.JSON()),
        ts("received_at"),
        ts("processed_at", nullable=True),
        col("attempts", sa.Integer()),
        text("last_error"),
        team_fk("inbox"),
        sa.PrimaryKeyConstraint("id", name="pk_inbox"),
        sa.UniqueConstraint("team_id", "dedupe_key", name="uq_inbox_team_id_dedupe_key"),
    )
    index("ix_inbox_pending", "inbox", "processed_at", "id")
    op.create_table(
        "outbox",
        col("id", ID),
        col("team_id", ID),
        col("kind", ENUM),
        col("payload", sa.JSON()),
        col("idempotency_key", sa.String(length=300)),
        col("status", ENUM),
        col("attempts", sa.Integer()),
        ts("next_attempt_at", nullable=True),
        text("last_error"),
        ts("created_at"),
        ts("delivered_at", nullable=True),
        team_fk("outbox"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("team_id", "idempotency_key", name="uq_outbox_team_id_idempotency_key"),
    )
    index("ix_outbox_due", "outbox", "status", "next_attempt_at")


def downgrade() -> None:
    for table in (
        "outbox",
        "inbox",
        "notes",
        "script_generations",
        "suggested_fixes",
        "session_facts",
        "session_timeline",
        "sessions",
        "flow_versions",
        "flows",
        "user_identities",
        "users",
        "account_settings",
        "teams",
    ):
        op.drop_table(table)

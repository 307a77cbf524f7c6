"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 05:39:05.589936
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "account_settings",
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("prefs", sa.JSON(), nullable=False),
        sa.Column("updated_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_account_settings_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_account_settings")),
    )
    op.create_table(
        "flows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=True),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_flows_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_flows_scope_key")),
    )
    with op.batch_alter_table("flows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flows_team_id"), ["team_id"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_inbox_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("team_id", "dedupe_key", name=op.f("uq_inbox_team_id_dedupe_key")),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_team_id"), ["team_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_outbox_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("team_id", "idempotency_key", name=op.f("uq_outbox_team_id_idempotency_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_team_id"), ["team_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_team_id"), ["team_id"], unique=False)

    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flow_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_flow_versions_flow_id_flows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_versions")),
        sa.UniqueConstraint("flow_id", "version", name=op.f("uq_flow_versions_flow_id_version")),
    )
    with op.batch_alter_table("flow_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_versions_flow_id"), ["flow_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("engineer_id", sa.String(length=36), nullable=False),
        sa.Column("conversation", sa.JSON(), nullable=False),
        sa.Column("conversation_key", sa.String(length=400), nullable=False),
        sa.Column("started_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("session_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("intake_type", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("problem_summary", sa.Text(), nullable=False),
        sa.Column("flow_key", sa.String(length=120), nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("current_node", sa.String(length=120), nullable=False),
        sa.Column("flow_stack", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("target_index", sa.Integer(), nullable=False),
        sa.Column("targets_done", sa.JSON(), nullable=False),
        sa.Column("custom_step", sa.String(length=300), nullable=False),
        sa.Column("ticket_number", sa.String(length=40), nullable=True),
        sa.Column("ticket_summary", sa.Text(), nullable=False),
        sa.Column("ticket_company", sa.String(length=300), nullable=False),
        sa.Column("state_version", sa.Integer(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("resolution_summary", sa.Text(), nullable=False),
        sa.Column("followups", sa.JSON(), nullable=False),
        sa.Column("client_name", sa.String(length=300), nullable=False),
        sa.Column("asset_name", sa.String(length=300), nullable=False),
        sa.Column("issue_category", sa.String(length=200), nullable=False),
        sa.Column("triage_hypothesis", sa.Text(), nullable=False),
        sa.Column("evidence_items", sa.JSON(), nullable=False),
        sa.Column("problem_domain", sa.String(length=200), nullable=False),
        sa.Column("match_score", sa.Double(), nullable=True),
        sa.Column("confidence_tier", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("pending_task_lane", sa.JSON(), nullable=False),
        sa.Column("escalation_reason", sa.Text(), nullable=False),
        sa.Column("escalation_target", sa.String(length=200), nullable=False),
        sa.Column("resolution_note_external_id", sa.String(length=100), nullable=False),
        sa.Column("resolution_note_posted_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("escalation_package_external_id", sa.String(length=100), nullable=False),
        sa.Column("escalation_package_posted_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["engineer_id"], ["users.id"], name=op.f("fk_sessions_engineer_id_users")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_sessions_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sessions_conversation", ["team_id", "conversation_key", "status"], unique=False)
        batch_op.create_index("ix_sessions_engineer", ["team_id", "engineer_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessions_team_id"), ["team_id"], unique=False)

    op.create_table(
        "user_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("platform_user_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_user_identities_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identities")),
        sa.UniqueConstraint(
            "team_id", "platform", "platform_user_id", name=op.f("uq_user_identities_team_id_platform_platform_user_id")
        ),
    )
    with op.batch_alter_table("user_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_identities_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_identities_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("redactions", sa.JSON(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("posted_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_notes_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_notes_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notes_team_id"), ["team_id"], unique=False)

    op.create_table(
        "script_generations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_script_generations_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_script_generations_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_generations")),
    )
    with op.batch_alter_table("script_generations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_script_generations_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_script_generations_team_id"), ["team_id"], unique=False)

    op.create_table(
        "session_facts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("source_ref", sa.String(length=36), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_facts_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_session_facts_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_facts")),
    )
    with op.batch_alter_table("session_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_facts_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_facts_team_id"), ["team_id"], unique=False)

    op.create_table(
        "session_timeline",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("node_id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_timeline_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_session_timeline_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_timeline")),
        sa.UniqueConstraint("session_id", "seq", name=op.f("uq_session_timeline_session_id_seq")),
    )
    with op.batch_alter_table("session_timeline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_timeline_team_id"), ["team_id"], unique=False)

    op.create_table(
        "suggested_fixes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("script_language", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("template_params", sa.JSON(), nullable=False),
        sa.Column("user_decision", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("created_at", bot.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("applied_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("verified_at", bot.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_suggested_fixes_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_suggested_fixes_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggested_fixes")),
    )
    with op.batch_alter_table("suggested_fixes", schema=None) as batch_op:
        batch_op.create_index("ix_suggested_fixes_active", ["session_id", "superseded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_suggested_fixes_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suggested_fixes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggested_fixes_team_id"))
        batch_op.drop_index("ix_suggested_fixes_active")

    op.drop_table("suggested_fixes")
    with op.batch_alter_table("session_timeline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_timeline_team_id"))

    op.drop_table("session_timeline")
    with op.batch_alter_table("session_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_facts_team_id"))
        batch_op.drop_index(batch_op.f("ix_session_facts_session_id"))

    op.drop_table("session_facts")
    with op.batch_alter_table("script_generations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_script_generations_team_id"))
        batch_op.drop_index(batch_op.f("ix_script_generations_session_id"))

    op.drop_table("script_generations")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_team_id"))
        batch_op.drop_index(batch_op.f("ix_notes_session_id"))

    op.drop_table("notes")
    with op.batch_alter_table("user_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_identities_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_identities_team_id"))

    op.drop_table("user_identities")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_team_id"))
        batch_op.drop_index("ix_sessions_engineer")
        batch_op.drop_index("ix_sessions_conversation")

    op.drop_table("sessions")
    with op.batch_alter_table("flow_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_versions_flow_id"))

    op.drop_table("flow_versions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_team_id"))

    op.drop_table("users")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_team_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_team_id"))

    op.drop_table("inbox")
    with op.batch_alter_table("flows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flows_team_id"))

    op.drop_table("flows")
    op.drop_table("account_settings")
    op.drop_table("teams")

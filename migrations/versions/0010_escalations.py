"""Escalations: one row per time a session was escalated (who, to whom, why, the package's ticket note, the claim).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
ENUM = sa.String(length=40)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("escalated_by", ID, nullable=False),
        sa.Column("escalated_by_name", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("target_name", sa.Text(), nullable=False),
        sa.Column("package", ENUM, nullable=False),
        sa.Column("package_version", sa.Integer(), nullable=False),
        sa.Column("outbox_id", ID, nullable=False),
        sa.Column("note_id", sa.String(length=200), nullable=False),
        sa.Column("claimed_by", ID, nullable=True),
        sa.Column("claimed_by_name", sa.Text(), nullable=False),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("choice", ENUM, nullable=False),
        sa.Column("first_action_at", TS, nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id", "team_id"],
            ["sessions.id", "sessions.team_id"],
            name=op.f("fk_escalations_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_escalations_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index("ix_escalations_team_created", "escalations", ["team_id", "created_at"])
    op.create_index("ix_escalations_session", "escalations", ["session_id"])
    op.create_index("ix_escalations_outbox", "escalations", ["team_id", "outbox_id"])


def downgrade() -> None:
    op.drop_index("ix_escalations_outbox", table_name="escalations")
    op.drop_index("ix_escalations_session", table_name="escalations")
    op.drop_index("ix_escalations_team_created", table_name="escalations")
    op.drop_table("escalations")

"""Schedules (the scheduler's job definitions) and schedule runs (one row per (schedule, fire time)).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("cron", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("run_at", TS, nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("conversation", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("active_from", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("next_fire_at", TS, nullable=True),
        sa.Column("last_fire_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_schedules_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("team_id", "key", name=op.f("uq_schedules_team_id_key")),
    )
    op.create_index("ix_schedules_next_fire", "schedules", ["paused", "next_fire_at"])
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schedule_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("fire_time", TS, nullable=False),
        sa.Column("fired_at", TS, nullable=False),
        sa.Column("fired_by", sa.String(length=200), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_schedule_runs_schedule_id_schedules"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_schedule_runs_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint("schedule_id", "fire_time", name=op.f("uq_schedule_runs_schedule_id_fire_time")),
    )
    op.create_index(op.f("ix_schedule_runs_team_id"), "schedule_runs", ["team_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_schedule_runs_team_id"), table_name="schedule_runs")
    op.drop_table("schedule_runs")
    op.drop_index("ix_schedules_next_fire", table_name="schedules")
    op.drop_table("schedules")

"""Maintenance runs: one row per run of a maintenance flow (its fire, card, deadline, status, per-target results).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
ENUM = sa.String(length=40)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "maintenance_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("flow_key", sa.String(length=200), nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("flow_name", sa.Text(), nullable=False),
        sa.Column("schedule_id", ID, nullable=True),
        sa.Column("fire_time", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("conversation", sa.JSON(), nullable=False),
        sa.Column("card_ref", sa.String(length=200), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("outbox_id", ID, nullable=False),
        sa.Column("ticket", sa.Integer(), nullable=True),
        sa.Column("started_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_maintenance_runs_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_runs")),
        sa.UniqueConstraint("schedule_id", "fire_time", name="uq_maintenance_runs_schedule_fire"),
    )
    op.create_index("ix_maintenance_runs_team_created", "maintenance_runs", ["team_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_maintenance_runs_team_created", table_name="maintenance_runs")
    op.drop_table("maintenance_runs")

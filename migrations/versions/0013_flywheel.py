"""Knowledge flywheel: each proposal's evidence, group signature and review, and each team's flywheel runs.

``flow_proposal_details`` extends ``flow_proposals`` one-to-one (``bot.store.flywheel_tables``): the evidence (JSON),
a signature unique in the team (the same group of sessions is never proposed twice), the flow version and node a
branch was drafted on, who drafted it, and who decided, when, why and what it published. ``flywheel_runs`` keeps one
row per run, with the ``watermark`` (the newest resolved session it read) that the next run starts after.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
KEY = sa.String(length=200)
ENUM = sa.String(length=40)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "flow_proposal_details",
        sa.Column("proposal_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("signature", KEY, nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("node_id", KEY, nullable=False),
        sa.Column("tier", ENUM, nullable=False),
        sa.Column("decided_by", ID, nullable=False),
        sa.Column("decided_by_name", sa.Text(), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["flow_proposals.id"],
            name=op.f("fk_flow_proposal_details_proposal_id_flow_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_flow_proposal_details_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_flow_proposal_details")),
        sa.UniqueConstraint("team_id", "signature", name=op.f("uq_flow_proposal_details_team_id_signature")),
    )
    op.create_table(
        "flywheel_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("ran_at", TS, nullable=False),
        sa.Column("watermark", TS, nullable=True),
        sa.Column("trigger", ENUM, nullable=False),
        sa.Column("requested_by", ID, nullable=False),
        sa.Column("sessions_read", sa.Integer(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("proposals_new", sa.Integer(), nullable=False),
        sa.Column("proposals_updated", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_flywheel_runs_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flywheel_runs")),
    )
    op.create_index("ix_flywheel_runs_team_ran", "flywheel_runs", ["team_id", "ran_at"])
    op.create_index("ix_sessions_team_ended", "sessions", ["team_id", "status", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_sessions_team_ended", table_name="sessions")
    op.drop_index("ix_flywheel_runs_team_ran", table_name="flywheel_runs")
    op.drop_table("flywheel_runs")
    op.drop_table("flow_proposal_details")

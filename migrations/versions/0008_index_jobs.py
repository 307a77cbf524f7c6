"""Index jobs: documents waiting to be (re)indexed by the background worker (the retrieval index's outbox).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "index_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("scope", ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=400), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_index_jobs_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_jobs")),
        sa.UniqueConstraint("scope", "kind", "ref", name=op.f("uq_index_jobs_scope_kind_ref")),
    )
    op.create_index(op.f("ix_index_jobs_team_id"), "index_jobs", ["team_id"])
    op.create_index("ix_index_jobs_due", "index_jobs", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_index_jobs_due", table_name="index_jobs")
    op.drop_index(op.f("ix_index_jobs_team_id"), table_name="index_jobs")
    op.drop_table("index_jobs")

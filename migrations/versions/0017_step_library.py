"""Step library: reusable steps (synced from published flows or written by hand) and their ratings and reviews.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
KEY = sa.String(length=200)
ENUM = sa.String(length=40)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "library_steps",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("scope", ID, nullable=False),
        sa.Column("slug", KEY, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("type", ENUM, nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("commands", sa.JSON(), nullable=False),
        sa.Column("category", KEY, nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("visibility", ENUM, nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_by_name", sa.Text(), nullable=False),
        sa.Column("source_flow", KEY, nullable=True),
        sa.Column("source_node", KEY, nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("up_count", sa.Integer(), nullable=False),
        sa.Column("down_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_library_steps_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_steps")),
    )
    op.create_index("ux_library_steps_scope_slug", "library_steps", ["scope", "slug"], unique=True)
    op.create_index("ux_library_steps_source", "library_steps", ["scope", "source_flow", "source_node"], unique=True)
    op.create_index("ix_library_steps_visibility", "library_steps", ["visibility"])
    op.create_table(
        "step_ratings",
        sa.Column("step_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("thumb", sa.String(length=8), nullable=False),
        sa.Column("review", sa.Text(), nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"], ["library_steps.id"], name=op.f("fk_step_ratings_step_id_library_steps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_step_ratings_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("step_id", "user_id", name=op.f("pk_step_ratings")),
    )
    op.create_index("ix_step_ratings_step_team", "step_ratings", ["step_id", "team_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_step_ratings_step_team", table_name="step_ratings")
    op.drop_table("step_ratings")
    op.drop_index("ix_library_steps_visibility", table_name="library_steps")
    op.drop_index("ux_library_steps_source", table_name="library_steps")
    op.drop_index("ux_library_steps_scope_slug", table_name="library_steps")
    op.drop_table("library_steps")

"""Share links: shared links to sessions (team or public; a public token stored only as its SHA-256), their expiry,
revocation and view counter, and a bounded log of views.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_by_name", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_by", ID, nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("last_viewed_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id", "team_id"],
            ["sessions.id", "sessions.team_id"],
            name=op.f("fk_share_links_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_share_links_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
    )
    op.create_index("ix_share_links_team_session", "share_links", ["team_id", "session_id", "created_at"])
    op.create_index("ux_share_links_token_hash", "share_links", ["token_hash"], unique=True)
    op.create_table(
        "share_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("link_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("viewer", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["share_links.id"], name=op.f("fk_share_views_link_id_share_links"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_share_views_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_views")),
    )
    op.create_index("ix_share_views_link_at", "share_views", ["link_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_share_views_link_at", table_name="share_views")
    op.drop_table("share_views")
    op.drop_index("ux_share_links_token_hash", table_name="share_links")
    op.drop_index("ix_share_links_team_session", table_name="share_links")
    op.drop_table("share_links")

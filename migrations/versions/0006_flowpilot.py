"""FlowPilot: session preference/turn counters, document previews, flow proposals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
ENUM = sa.String(length=40)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("pilot_preference", ENUM, nullable=False, server_default=""))
        batch.add_column(sa.Column("pilot_turns", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("pilot_outcome", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("matched_flow", sa.String(length=200), nullable=False, server_default=""))
    op.create_table(
        "document_previews",
        sa.Column("session_id", ID, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("state_version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("tier", ENUM, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id", "team_id"],
            ["sessions.id", "sessions.team_id"],
            name=op.f("fk_document_previews_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_document_previews_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("session_id", "kind", name=op.f("pk_document_previews")),
    )
    op.create_index(op.f("ix_document_previews_team_id"), "document_previews", ["team_id"])
    op.create_table(
        "flow_proposals",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("proposal_type", ENUM, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("flow_key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source_session_id", ID, nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("validated_by_outcome", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_flow_proposals_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_proposals")),
    )
    op.create_index("ix_flow_proposals_status", "flow_proposals", ["team_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_flow_proposals_status", table_name="flow_proposals")
    op.drop_table("flow_proposals")
    op.drop_index(op.f("ix_document_previews_team_id"), table_name="document_previews")
    op.drop_table("document_previews")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("matched_flow")
        batch.drop_column("pilot_outcome")
        batch.drop_column("pilot_turns")
        batch.drop_column("pilot_preference")

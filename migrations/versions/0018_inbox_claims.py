"""Inbox claims for N replicas: each row's lane and lease, and the ``inbox_lanes`` lease table.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER = sa.String(length=80)
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION rfbot_inbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('rfbot_inbox', coalesce(NEW.claimed_by, ''));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = "CREATE TRIGGER inbox_notify AFTER INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION rfbot_inbox_notify()"


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("lane", sa.String(length=300), server_default="", nullable=False))
        batch.add_column(sa.Column("claimed_by", OWNER, nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_inbox_lane_pending", "inbox", ["lane", "id"], postgresql_where=sa.text("processed_at IS NULL"))
    op.create_table(
        "inbox_lanes",
        sa.Column("lane", sa.String(length=300), nullable=False),
        sa.Column("claimed_by", OWNER, nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lane", name=op.f("pk_inbox_lanes")),
    )
    if op.get_bind().dialect.name == "postgresql":  # every new row wakes the replicas' workers, at commit
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS inbox_notify ON inbox")
        op.execute("DROP FUNCTION IF EXISTS rfbot_inbox_notify()")
    op.drop_table("inbox_lanes")
    op.drop_index("ix_inbox_lane_pending", table_name="inbox")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
        batch.drop_column("lane")

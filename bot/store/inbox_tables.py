"""Inbox claims (migration 0018): each inbox row's lane and lease, and the ``inbox_lanes`` lease table.

``bot.store.tables`` is at its size limit, so the three new ``inbox`` columns are appended to its ``Table`` here
(Core only: the repositories use Core statements) and ``inbox_lanes`` is a table of its own. Importing this module
registers both on ``Base.metadata``; ``bot.store`` and ``migrations/env.py`` do. See
``bot.store.repositories.inbox_claims`` for how they are used.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, text

from bot.store.tables import Base, InboxRow
from bot.store.types import UtcDateTime

OWNER = String(80)  # "host:pid:random" of a replica's worker

INBOX: Table = InboxRow.__table__  # type: ignore[assignment]
if "lane" not in INBOX.c:
    INBOX.append_column(Column("lane", String(300), nullable=False, server_default=""))
    INBOX.append_column(Column("claimed_by", OWNER, nullable=True))
    INBOX.append_column(Column("lease_until", UtcDateTime(), nullable=True))
    Index("ix_inbox_lane_pending", INBOX.c.lane, INBOX.c.id, postgresql_where=text("processed_at IS NULL"))

INBOX_LANES = Table(
    "inbox_lanes",
    Base.metadata,
    Column("lane", String(300), primary_key=True),
    Column("claimed_by", OWNER, nullable=False),
    Column("lease_until", UtcDateTime(), nullable=False),
)
"""Who works a lane now: one row per lane in hand (deleted once the lane has nothing pending)."""

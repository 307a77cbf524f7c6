"""Inbound events, deduplicated by key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.sql.dml import Insert

from bot.engine.model import InboxItem
from bot.store.repositories.base import SqlRepository, dialect_insert, per_dialect, table_of
from bot.store.tables import InboxRow

INBOX = table_of(InboxRow)

PENDING = (
    select(
        INBOX.c.id,
        INBOX.c.team_id,
        INBOX.c.dedupe_key,
        INBOX.c.kind,
        INBOX.c.payload,
        INBOX.c.received_at,
        INBOX.c.attempts,
    )
    .where(INBOX.c.processed_at.is_(None), INBOX.c.attempts < bindparam("b_max"), INBOX.c.id > bindparam("b_after"))
    .order_by(INBOX.c.id)
    .limit(bindparam("b_limit"))
)
MARK_PROCESSED = update(INBOX).where(INBOX.c.id == bindparam("b_id"), INBOX.c.processed_at.is_(None))
MARK_FAILED = update(INBOX).where(INBOX.c.id == bindparam("b_id")).values(attempts=INBOX.c.attempts + 1)


@per_dialect
def add_statement(dialect: str) -> Insert:
    """``INSERT INTO inbox … ON CONFLICT DO NOTHING RETURNING id`` of this dialect, fed with ``inbox_values``."""
    stmt: Insert = dialect_insert(dialect)(INBOX).on_conflict_do_nothing()
    return stmt.returning(INBOX.c.id)


def inbox_values(team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Column values of a new inbox row."""
    return {
        "team_id": team_id,
        "dedupe_key": dedupe_key,
        "kind": kind,
        "payload": dict(payload),
        "received_at": at,
        "attempts": 0,
        "last_error": "",
    }


class SqlInbox(SqlRepository):
    """``InboxRepository`` over ``inbox``; ``(team_id, dedupe_key)`` is unique."""

    async def add(self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> bool:
        """Insert an event; False when the key was seen before.

        Uses ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: a duplicate raises nothing, so the surrounding
        transaction stays usable and commits the rest of its work.
        """
        return await self.append(team_id, dedupe_key, kind, payload, at) is not None

    async def append(
        self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime
    ) -> int | None:
        """``add``, returning the new row's id (None when the key was seen before)."""
        values = inbox_values(team_id, dedupe_key, kind, payload, at)
        row = (await self.run(add_statement(self.dialect), values)).first()
        return None if row is None else int(row[0])

    async def pending(self, limit: int = 50, max_attempts: int = 5, after_id: int = 0) -> Sequence[InboxItem]:
        """Unprocessed events of every team above ``after_id``, oldest first (the worker is the one cross-team
        reader)."""
        rows = await self.all(PENDING, {"b_max": max_attempts, "b_after": after_id, "b_limit": limit})
        return [
            InboxItem(r.id, r.team_id, r.dedupe_key, r.kind, dict(r.payload), r.received_at, r.attempts) for r in rows
        ]

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        """Record that the event took effect; False if it already had (a second run must roll back)."""
        result = await self.run(MARK_PROCESSED, {"b_id": item_id, "processed_at": at})
        return bool(result.rowcount)

    async def mark_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt and keep the (truncated) error."""
        await self.run(MARK_FAILED, {"b_id": item_id, "last_error": error[:2000]})

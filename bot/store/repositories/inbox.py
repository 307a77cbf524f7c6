"""Inbound events, deduplicated by key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.engine.model import InboxItem
from bot.store.repositories.base import SqlRepository
from bot.store.tables import InboxRow


class SqlInbox(SqlRepository):
    """``InboxRepository`` over ``inbox``; ``(team_id, dedupe_key)`` is unique."""

    async def add(self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> bool:
        """Insert an event; False when the key was seen before.

        Uses ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: a duplicate raises nothing, so the surrounding
        transaction stays usable and commits the rest of its work.
        """
        stmt = self.insert_ignoring_conflicts(
            InboxRow,
            team_id=team_id,
            dedupe_key=dedupe_key,
            kind=kind,
            payload=dict(payload),
            received_at=at,
            attempts=0,
            last_error="",
        )
        return (await self._s.execute(stmt.returning(InboxRow.id))).first() is not None

    async def pending(self, limit: int = 50, max_attempts: int = 5, after_id: int = 0) -> Sequence[InboxItem]:
        """Unprocessed events of every team above ``after_id``, oldest first (the worker is the one cross-team
        reader)."""
        stmt = (
            select(InboxRow)
            .where(InboxRow.processed_at.is_(None), InboxRow.attempts < max_attempts, InboxRow.id > after_id)
            .order_by(InboxRow.id)
            .limit(limit)
        )
        return [
            InboxItem(r.id, r.team_id, r.dedupe_key, r.kind, dict(r.payload), r.received_at, r.attempts)
            for r in await self.all(stmt)
        ]

    async def mark_processed(self, item_id: int, at: datetime) -> None:
        """Record that the event took effect."""
        await self._s.execute(update(InboxRow).where(InboxRow.id == item_id).values(processed_at=at))

    async def mark_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt and keep the (truncated) error."""
        await self._s.execute(
            update(InboxRow)
            .where(InboxRow.id == item_id)
            .values(attempts=InboxRow.attempts + 1, last_error=error[:2000])
        )

"""Inbound events, deduplicated by key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

"""Outside effects waiting to be delivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, or_, select

from bot.engine.model import OutboxItem
from bot.store.mapping import outbox_from_row, outbox_values
from bot.store.repositories.base import SqlRepository
from bot.store.tables import OutboxRow


class SqlOutbox(SqlRepository):
    """``OutboxRepository`` over ``outbox``; ``(team_id, idempotency_key)`` is unique."""

    async def add(self, item: OutboxItem) -> None:
        """Queue an effect; a repeated idempotency key in the same team raises ``IntegrityError``."""
        await self._s.execute(insert(OutboxRow).values(**outbox_values(item)))

    async def pending(self, limit: int = 50) -> Sequence[OutboxItem]:
        """Pending items due now (no ``next_attempt_at`` or one in the past), oldest first, across all teams.

        This is the delivery worker's query, the one deliberately cross-tenant read; every item carries its team.
        """
        now = datetime.now(UTC)
        stmt = (
            select(OutboxRow)
            .where(
                OutboxRow.status == "pending",
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
            )
            .order_by(OutboxRow.created_at, OutboxRow.id)
            .limit(limit)
        )
        return [outbox_from_row(r) for r in await self.all(stmt)]

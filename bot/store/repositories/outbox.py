"""Outside effects waiting to be delivered: queued with the change that caused them, claimed by one worker at a
time, delivered, and marked done, rescheduled or failed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update

from bot.engine.model import OutboxItem
from bot.store.mapping import outbox_from_row, outbox_values
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import OutboxRow

ERROR_LIMIT = 2000
OUTBOX = table_of(OutboxRow)
INSERT = insert(OUTBOX)
SET = update(OUTBOX).where(OUTBOX.c.id == bindparam("b_id"))


class SqlOutbox(SqlRepository):
    """``OutboxRepository`` over ``outbox``; ``(team_id, idempotency_key)`` is unique."""

    async def add(self, item: OutboxItem) -> None:
        """Queue an effect; a repeated idempotency key in the same team raises ``IntegrityError``."""
        await self.run(INSERT, outbox_values(item))

    @staticmethod
    def _due(now: datetime) -> Any:
        return (OutboxRow.status == "pending") & or_(
            OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now
        )

    async def pending(self, limit: int = 50) -> Sequence[OutboxItem]:
        """Pending items due now (no ``next_attempt_at`` or one in the past), oldest first, across all teams.

        This is the delivery worker's query, the one deliberately cross-tenant read; every item carries its team.
        """
        stmt = select(OUTBOX).where(self._due(datetime.now(UTC))).order_by(OutboxRow.created_at, OutboxRow.id)
        return [outbox_from_row(r) for r in await self.all(stmt.limit(limit))]

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int = 10) -> Sequence[OutboxItem]:
        """Claim due items for this worker until ``lease_until``; each claim counts as an attempt.

        One ``WITH picked AS (due ids) UPDATE … FROM picked RETURNING``, so two workers can never claim the same
        row: PostgreSQL skips rows another worker has locked (``FOR UPDATE SKIP LOCKED``); SQLite takes its write
        lock first.
        """
        due = select(OutboxRow.id).where(self._due(now)).order_by(OutboxRow.created_at, OutboxRow.id).limit(limit)
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        picked = due.cte("picked")  # a CTE runs once (an IN-subquery with LIMIT may be re-run by the planner)
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id == picked.c.id, self._due(now))
            .values(attempts=OutboxRow.attempts + 1, next_attempt_at=lease_until)
            .returning(*OUTBOX.c)
        )
        rows = await self.all(stmt)
        return [outbox_from_row(r) for r in sorted(rows, key=lambda r: (r.created_at, r.id))]

    async def _set(self, item_id: str, **values: Any) -> None:
        await self.run(SET, {"b_id": item_id, **values})

    async def mark_done(self, item_id: str, result: dict[str, Any], at: datetime) -> None:
        """Delivered; keep what the outside system answered."""
        await self._set(item_id, status="done", result=dict(result), delivered_at=at, last_error="")

    async def reschedule(self, item_id: str, at: datetime, error: str) -> None:
        """Try again at ``at``."""
        await self._set(item_id, next_attempt_at=at, last_error=error[:ERROR_LIMIT])

    async def mark_failed(self, item_id: str, error: str) -> None:
        """Give up until the engineer asks for a retry."""
        await self._set(item_id, status="failed", last_error=error[:ERROR_LIMIT])

    async def retry(self, team_id: str, item_id: str, at: datetime) -> OutboxItem | None:
        """A failed item of this team back to pending with its attempts reset (its last error is kept, so the
        worker still checks whether an earlier attempt landed)."""
        row = await self.first(
            select(OUTBOX).where(OutboxRow.id == item_id, OutboxRow.team_id == team_id, OutboxRow.status == "failed")
        )
        if row is None:
            return None
        await self._set(item_id, status="pending", next_attempt_at=at, attempts=0)
        item = outbox_from_row(row)
        item.status, item.next_attempt_at, item.attempts = "pending", at, 0
        return item

    async def get(self, team_id: str, item_id: str) -> OutboxItem | None:
        """One item of this team."""
        row = await self.first(select(OUTBOX).where(OutboxRow.id == item_id, OutboxRow.team_id == team_id))
        return outbox_from_row(row) if row else None

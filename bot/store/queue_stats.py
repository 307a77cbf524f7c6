"""How deep and how old the bot's queues are, for the metrics scrape (``bot.metrics.QueueGauges``).

One aggregate query per queue, each answered from an index over the rows that are still waiting (a handful, normally),
never from the done ones (which pile up):

* ``inbox`` -- rows not processed yet (``ix_inbox_pending``: ``processed_at, id``): ``pending`` while the worker
  still tries them, ``failed`` once they used every attempt (they stay until someone looks);
* ``outbox`` -- pushes by status (``ix_outbox_due``: ``status, next_attempt_at``): ``pending`` (queued, retrying or
  in hand) and ``failed`` (gave up; the engineer may press Retry); delivered ones are not counted here;
* ``scheduler`` -- schedules whose next fire time has passed but is not recorded yet (``ix_schedules_next_fire``:
  ``paused, next_fire_at``): ``due`` within the misfire grace (the leader fires it at its next poll), ``missed``
  when older (the fire is dropped and the schedule waits for its next one; it counts here until then).

Each answer is ``(state, rows, oldest)``: ``oldest`` is when the oldest of them was received, queued or due.
Every state is reported, with 0 rows when empty, so a graph shows 0 rather than a gap.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, case, false, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnClause

from bot.store.inbox_tables import INBOX
from bot.store.repositories.base import table_of
from bot.store.repositories.inbox import MAX_ATTEMPTS
from bot.store.schedule_tables import SCHEDULES, add_schedule_tables
from bot.store.tables import Base, OutboxRow

INBOX_MAX_ATTEMPTS = MAX_ATTEMPTS  # a row the worker tried this often is given up (``SqlInbox.pending``)
OUTBOX = table_of(OutboxRow)
SCHED: Table = add_schedule_tables(Base.metadata)[0]
assert SCHED.name == SCHEDULES
BY_STATE: ColumnClause[Any] = literal_column("state")  # GROUP BY the output column, not the CASE with its binds again


class QueueState(NamedTuple):
    """One state of one queue: how many rows are in it and when the oldest of them arrived (None when empty)."""

    state: str
    rows: int
    oldest: datetime | None


def _states(found: list[Any], states: tuple[str, ...]) -> list[QueueState]:
    by_state = {str(r.state): QueueState(str(r.state), int(r.n), r.oldest) for r in found}
    return [by_state.get(s, QueueState(s, 0, None)) for s in states]


class SqlQueueStats:
    """The three queue probes over one engine; ``now`` is the app's clock (ages are measured against it)."""

    def __init__(self, engine: AsyncEngine, now: Callable[[], datetime], grace: timedelta) -> None:
        self._engine = engine
        self._now = now
        self._grace = grace

    def probes(self) -> dict[str, Callable[[], Awaitable[list[QueueState]]]]:
        """The probes by queue name, for ``bot.queue_metrics.QueueGauges``."""
        return {"inbox": self.inbox, "outbox": self.outbox, "scheduler": self.scheduler}

    async def _all(self, stmt: Any) -> list[Any]:
        async with self._engine.connect() as conn:
            return list(await conn.execute(stmt))

    async def inbox(self) -> list[QueueState]:
        """Unprocessed inbox rows: ``pending`` (attempts left) and ``failed`` (given up)."""
        given_up = INBOX.c.attempts >= INBOX_MAX_ATTEMPTS
        state = case((given_up, literal("failed")), else_=literal("pending")).label("state")
        stmt = (
            select(state, func.count().label("n"), func.min(INBOX.c.received_at).label("oldest"))
            .where(INBOX.c.processed_at.is_(None))
            .group_by(BY_STATE)
        )
        return _states(await self._all(stmt), ("pending", "failed"))

    async def outbox(self) -> list[QueueState]:
        """Pushes not delivered: ``pending`` and ``failed``, each with its oldest ``created_at``."""
        stmt = (
            select(
                OUTBOX.c.status.label("state"),
                func.count().label("n"),
                func.min(OUTBOX.c.created_at).label("oldest"),
            )
            .where(OUTBOX.c.status.in_(("pending", "failed")))
            .group_by(OUTBOX.c.status)
        )
        return _states(await self._all(stmt), ("pending", "failed"))

    async def scheduler(self) -> list[QueueState]:
        """Active schedules past their next fire time: ``due`` (within the grace) and ``missed`` (older)."""
        now = self._now()
        state = case((SCHED.c.next_fire_at < now - self._grace, literal("missed")), else_=literal("due")).label("state")
        stmt = (
            select(state, func.count().label("n"), func.min(SCHED.c.next_fire_at).label("oldest"))
            .where(SCHED.c.paused == false(), SCHED.c.next_fire_at <= now)
            .group_by(BY_STATE)
        )
        return _states(await self._all(stmt), ("due", "missed"))

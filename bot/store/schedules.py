"""``SqlSchedules``: the ``schedules`` and ``schedule_runs`` tables (``bot.store.schedule_tables``).

Writes take an optional unit of work (a ``bot.store.uow.SqlUnitOfWork``): with one they join its transaction (a
feature creates its schedule with the change that needs it), without one they run in a transaction of their own.
``update`` is optimistic: it only writes over the revision it read.

``record_fire`` is the scheduler's one write per fire, in one transaction: move the schedule's ``last_fire_at`` to
the fire time (only if the schedule is still at the revision the scheduler knows, not paused, and not already past
that time; on PostgreSQL the row lock makes a racing second attempt wait and then find nothing to move), append the
``ScheduleFired`` event to the inbox (its dedupe key names the fire), and insert the run row, unique per
(schedule, fire time). Any of the three finding the fire already recorded rolls the whole fire back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.engine.ports import UnitOfWork
from bot.engine.scheduled import FireRecord, Schedule
from bot.store.repositories.base import dialect_insert
from bot.store.repositories.inbox import SqlInbox
from bot.store.schedule_tables import SCHEDULE_RUNS, SCHEDULES, add_schedule_tables
from bot.store.tables import Base

add_schedule_tables(Base.metadata)  # normally done by ``bot.store``'s import already
SCHED: Table = Base.metadata.tables[SCHEDULES]
RUNS: Table = Base.metadata.tables[SCHEDULE_RUNS]
MUTABLE = (
    "kind",
    "cron",
    "timezone",
    "run_at",
    "payload",
    "conversation",
    "paused",
    "revision",
    "active_from",
    "updated_at",
    "next_fire_at",
)


def _schedule(r: Any) -> Schedule:
    return Schedule(
        id=r.id,
        team_id=r.team_id,
        kind=r.kind,
        key=r.key,
        cron=r.cron,
        timezone=r.timezone,
        run_at=r.run_at,
        payload=dict(r.payload or {}),
        conversation=dict(r.conversation or {}),
        paused=bool(r.paused),
        revision=int(r.revision),
        active_from=r.active_from,
        created_at=r.created_at,
        updated_at=r.updated_at,
        next_fire_at=r.next_fire_at,
        last_fire_at=r.last_fire_at,
    )


def _values(s: Schedule) -> dict[str, Any]:
    return {
        "id": s.id,
        "team_id": s.team_id,
        "key": s.key,
        "created_at": s.created_at,
        "last_fire_at": s.last_fire_at,
        **{name: getattr(s, name) for name in MUTABLE},
    }


class SqlSchedules:
    """Schedules in SQL (implements ``bot.jobs.scheduler.ScheduleStore``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    @asynccontextmanager
    async def _tx(self, uow: UnitOfWork | None) -> AsyncIterator[AsyncConnection]:
        """The unit of work's connection (the caller commits), else a transaction of our own."""
        if uow is None:
            async with self._engine.begin() as conn:
                yield conn
            return
        connection = getattr(uow, "connection", None)
        if not isinstance(connection, AsyncConnection):
            raise TypeError("SqlSchedules needs a SQL unit of work")
        yield connection

    async def insert(self, schedule: Schedule, uow: UnitOfWork | None = None) -> bool:
        """Insert a new schedule; False (nothing written) when the team already has one with this key."""
        stmt = dialect_insert(self.dialect)(SCHED).values(**_values(schedule)).on_conflict_do_nothing()
        async with self._tx(uow) as conn:
            return bool((await conn.execute(stmt.returning(SCHED.c.id))).first())

    async def update(self, schedule: Schedule, expected_revision: int, uow: UnitOfWork | None = None) -> bool:
        """Write the schedule's changeable fields over ``expected_revision``; False when it changed meanwhile or is
        gone."""
        values = {name: getattr(schedule, name) for name in MUTABLE}
        stmt = update(SCHED).where(SCHED.c.id == schedule.id, SCHED.c.revision == expected_revision).values(**values)
        async with self._tx(uow) as conn:
            return bool((await conn.execute(stmt)).rowcount)

    async def get(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """A schedule of the team by id."""
        return await self._one((SCHED.c.team_id == team_id) & (SCHED.c.id == schedule_id), uow)

    async def by_key(self, team_id: str, key: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """A schedule of the team by key."""
        return await self._one((SCHED.c.team_id == team_id) & (SCHED.c.key == key), uow)

    async def _one(self, where: Any, uow: UnitOfWork | None) -> Schedule | None:
        async with self._tx(uow) as conn:
            row = (await conn.execute(select(SCHED).where(where))).first()
        return None if row is None else _schedule(row)

    async def list(self, team_id: str, kind: str | None = None) -> Sequence[Schedule]:
        """The team's schedules (of one kind), by key."""
        stmt = select(SCHED).where(SCHED.c.team_id == team_id).order_by(SCHED.c.key)
        if kind is not None:
            stmt = stmt.where(SCHED.c.kind == kind)
        async with self._engine.connect() as conn:
            return [_schedule(r) for r in await conn.execute(stmt)]

    async def delete(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> bool:
        """Delete a schedule (its runs go with it); False when there was none."""
        runs = RUNS.delete().where(RUNS.c.team_id == team_id, RUNS.c.schedule_id == schedule_id)
        stmt = SCHED.delete().where(SCHED.c.team_id == team_id, SCHED.c.id == schedule_id)
        async with self._tx(uow) as conn:
            await conn.execute(runs)  # SQLite enforces ON DELETE CASCADE too; this keeps it explicit
            return bool((await conn.execute(stmt)).rowcount)

    async def load_active(self) -> Sequence[Schedule]:
        """Every team's schedules that can still fire (not paused, a next fire), for the leader (its one
        cross-tenant read: each schedule carries its team)."""
        stmt = select(SCHED).where(SCHED.c.paused.is_(False), SCHED.c.next_fire_at.is_not(None)).order_by(SCHED.c.id)
        async with self._engine.connect() as conn:
            return [_schedule(r) for r in await conn.execute(stmt)]

    async def record_fire(
        self,
        schedule: Schedule,
        fire_time: datetime,
        next_fire_at: datetime | None,
        *,
        fired_at: datetime,
        fired_by: str,
        inbox_kind: str,
        dedupe_key: str,
        payload: dict[str, Any],
    ) -> FireRecord | None:
        """Record one fire and queue its inbox event, atomically (see the module docstring); None when this
        (schedule, fire time) was already recorded, or the schedule was paused, changed or deleted."""
        move = (
            update(SCHED)
            .where(
                SCHED.c.id == schedule.id,
                SCHED.c.revision == schedule.revision,
                SCHED.c.paused.is_(False),
                or_(SCHED.c.last_fire_at.is_(None), SCHED.c.last_fire_at < fire_time),
            )
            .values(last_fire_at=fire_time, next_fire_at=next_fire_at)
        )
        run = dialect_insert(self.dialect)(RUNS).on_conflict_do_nothing().returning(RUNS.c.id)
        async with self._engine.connect() as conn:
            if not (await conn.execute(move)).rowcount:
                return None  # closing the connection rolls back
            inbox_id = await SqlInbox(conn).append(schedule.team_id, dedupe_key, inbox_kind, payload, fired_at)
            values = {
                "schedule_id": schedule.id,
                "team_id": schedule.team_id,
                "fire_time": fire_time,
                "fired_at": fired_at,
                "fired_by": fired_by[:200],
                "inbox_id": inbox_id,
            }
            if (await conn.execute(run.values(**values))).first() is None:
                return None
            await conn.commit()
        return FireRecord(schedule.id, fire_time, fired_at, fired_by, inbox_id)

    async def runs(self, schedule_id: str) -> Sequence[FireRecord]:
        """The schedule's recorded fires, oldest first."""
        stmt = select(RUNS).where(RUNS.c.schedule_id == schedule_id).order_by(RUNS.c.fire_time)
        async with self._engine.connect() as conn:
            return [
                FireRecord(r.schedule_id, r.fire_time, r.fired_at, r.fired_by, r.inbox_id)
                for r in await conn.execute(stmt)
            ]

"""``index_jobs``: the retrieval index's outbox (see ``bot.store.search_tables`` for the table).

``add`` writes a job in the caller's unit of work, so it commits with the change that made the document stale;
``add_now`` is the same in a transaction of its own (the CLI). The worker's calls (``claim``, ``done``, ``retry_at``,
``give_up``) each run in one short transaction on the shared engine, like ``SqlSearchIndex``. Claiming is a lease:
the job's next attempt moves to the end of the lease, so another worker or replica skips it, and a worker that dies
mid-job lets it come back when the lease ends. A job is deleted once done, unless it was requested again meanwhile
(its ``generation`` moved on): then it stays, due at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.engine.knowledge import IndexJob
from bot.engine.ports import UnitOfWork
from bot.store.search_tables import INDEX_JOBS, PUBLIC_SCOPE
from bot.store.tables import Base

JOBS: Table = Base.metadata.tables[INDEX_JOBS]
PENDING, FAILED = "pending", "failed"
ERROR_LIMIT = 2000


def _job(r: Any) -> IndexJob:
    return IndexJob(r.id, r.team_id, r.kind, r.ref, r.generation, r.attempts)


class SqlIndexJobs:
    """Index jobs in SQL (implements the queue side of ``bot.jobs.indexing.IndexJobQueue``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    async def add(self, uow: UnitOfWork, team_id: str | None, kind: str, ref: str, at: datetime) -> None:
        """Queue a job in ``uow``'s transaction (a ``bot.store.uow.SqlUnitOfWork``). A pending or failed job for
        the same document becomes pending and due now, with a new generation and its attempts reset."""
        connection = getattr(uow, "connection", None)
        if not isinstance(connection, AsyncConnection):
            raise TypeError("SqlIndexJobs.add needs a SQL unit of work")
        await self._upsert(connection, team_id, kind, ref, at)

    async def add_now(self, team_id: str | None, kind: str, ref: str, at: datetime) -> None:
        """Queue a job in a transaction of its own."""
        async with self._engine.begin() as connection:
            await self._upsert(connection, team_id, kind, ref, at)

    async def _upsert(self, conn: AsyncConnection, team_id: str | None, kind: str, ref: str, at: datetime) -> None:
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = insert(JOBS).values(
            team_id=team_id or None,
            scope=team_id or PUBLIC_SCOPE,
            kind=kind,
            ref=ref,
            generation=1,
            status=PENDING,
            attempts=0,
            next_attempt_at=None,
            last_error="",
            created_at=at,
            updated_at=at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["scope", "kind", "ref"],
            set_={
                "generation": JOBS.c.generation + 1,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": None,
                "last_error": "",
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await conn.execute(stmt)

    @staticmethod
    def _due(now: datetime) -> Any:
        return (JOBS.c.status == PENDING) & or_(JOBS.c.next_attempt_at.is_(None), JOBS.c.next_attempt_at <= now)

    async def claim(self, now: datetime, lease_until: datetime, limit: int = 20) -> list[IndexJob]:
        """Claim due jobs (oldest first, all teams: the worker's one cross-tenant read; each job carries its team)
        until ``lease_until``; each claim counts as an attempt. ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
        workers never claim the same job; SQLite takes its write lock first."""
        due = select(JOBS.c.id).where(self._due(now)).order_by(JOBS.c.id).limit(limit)
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        picked = due.cte("picked")
        stmt = (
            update(JOBS)
            .where(JOBS.c.id == picked.c.id, self._due(now))
            .values(attempts=JOBS.c.attempts + 1, next_attempt_at=lease_until)
            .returning(*JOBS.c)
        )
        async with self._engine.begin() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_job(r) for r in sorted(rows, key=lambda r: r.id)]

    def _same(self, job: IndexJob) -> Any:
        return (JOBS.c.id == job.id) & (JOBS.c.generation == job.generation)

    async def done(self, job: IndexJob) -> bool:
        """Delete the job; False when it was requested again since it was claimed (it stays, due now)."""
        async with self._engine.begin() as conn:
            return bool((await conn.execute(JOBS.delete().where(self._same(job)))).rowcount)

    async def retry_at(self, job: IndexJob, at: datetime, error: str, now: datetime) -> None:
        """Try again at ``at`` (unless it was requested again meanwhile: then it is due now anyway)."""
        values = {"next_attempt_at": at, "last_error": error[:ERROR_LIMIT], "updated_at": now}
        async with self._engine.begin() as conn:
            await conn.execute(update(JOBS).where(self._same(job)).values(**values))

    async def give_up(self, job: IndexJob, error: str, now: datetime) -> None:
        """Keep the job as failed (``rfbot index rebuild`` or a new request for the document takes it up again)."""
        values = {"status": FAILED, "last_error": error[:ERROR_LIMIT], "updated_at": now}
        async with self._engine.begin() as conn:
            await conn.execute(update(JOBS).where(self._same(job)).values(**values))

    async def retry_failed(self, now: datetime) -> int:
        """Failed jobs back to pending, due now, attempts reset; returns how many."""
        values = {"status": PENDING, "attempts": 0, "next_attempt_at": None, "updated_at": now}
        async with self._engine.begin() as conn:
            return int((await conn.execute(update(JOBS).where(JOBS.c.status == FAILED).values(**values))).rowcount)

    async def counts(self) -> dict[str, int]:
        """Jobs per status, e.g. ``{"pending": 3, "failed": 1}``."""
        stmt = select(JOBS.c.status, func.count().label("n")).group_by(JOBS.c.status)
        async with self._engine.connect() as conn:
            return {r.status: int(r.n) for r in await conn.execute(stmt)}

    async def pending(self) -> Sequence[IndexJob]:
        """Jobs not done yet (pending or failed), oldest first."""
        stmt = select(JOBS).order_by(JOBS.c.id)
        async with self._engine.connect() as conn:
            return [_job(r) for r in await conn.execute(stmt)]

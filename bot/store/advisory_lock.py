"""Leadership among replicas: a PostgreSQL session-level advisory lock held on a dedicated connection.

``PgAdvisoryLock`` implements ``bot.jobs.scheduler.Leadership``. It opens its own psycopg connection (autocommit,
outside the request pool, so the pool can recycle its connections freely) and asks ``pg_try_advisory_lock(key)``:
never blocking, so a follower just asks again at its next poll (each replica keeps this one connection open). A
session-level advisory lock lives as long as the session, so the server itself releases it when the holder's
connection ends: a process killed with ``kill -9`` (the kernel closes its socket at once), a backend ended with
``pg_terminate_backend``, or a silent network loss (the server's TCP keepalives, set on this connection, give up
after ~25 s). ``held`` runs ``SELECT 1`` with a
timeout: a holder that lost its connection learns it at its next poll and steps down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import LiteralString

import psycopg
from sqlalchemy.engine import make_url

from bot.store.db import to_sync_url

log = logging.getLogger(__name__)

SCHEDULER_LOCK_KEY = 0x5246_5343  # "RFSC": the scheduler's leader lock (bigint key space, one per purpose)
KEEPALIVES = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"


def libpq_url(url: str) -> str:
    """A database URL as libpq reads it (``postgresql://…``, no SQLAlchemy driver suffix)."""
    return make_url(to_sync_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


class PgAdvisoryLock:
    """``pg_try_advisory_lock(key)`` on a connection of its own; see the module docstring."""

    def __init__(self, url: str, key: int = SCHEDULER_LOCK_KEY, *, timeout: float = 5.0) -> None:
        self._conninfo = libpq_url(url)
        self.key = key
        self._timeout = timeout
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._held = False

    @property
    def holding(self) -> bool:
        """True after a successful ``acquire`` until ``release`` or a failed ``held``."""
        return self._held

    async def acquire(self) -> bool:
        """Take the lock if it is free (never waits for it); False when another session holds it or the database
        cannot be reached."""
        if self._held:
            return await self.held()
        try:
            conn = await self._connection()
            row = await asyncio.wait_for(self._fetch(conn, "SELECT pg_try_advisory_lock(%s)"), self._timeout)
        except (psycopg.Error, OSError, TimeoutError) as err:
            log.warning("leader lock %s: cannot ask the database: %s", self.key, err)
            await self._drop()
            return False
        self._held = bool(row and row[0])
        return self._held

    async def held(self) -> bool:
        """Still holding: the lock's connection answers. False (and the connection dropped) when it does not."""
        if not self._held or self._conn is None:
            return False
        try:
            await asyncio.wait_for(self._fetch(self._conn, "SELECT 1"), self._timeout)
        except (psycopg.Error, OSError, TimeoutError) as err:
            log.warning("leader lock %s: lost the connection that holds it: %s", self.key, err)
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        """Give the lock up (when held) and close the connection."""
        if self._held and self._conn is not None and not self._conn.closed:
            with contextlib.suppress(psycopg.Error, OSError, TimeoutError):
                await asyncio.wait_for(self._fetch(self._conn, "SELECT pg_advisory_unlock(%s)"), self._timeout)
        await self._drop()

    async def backend_pid(self) -> int | None:
        """The server process of the lock's connection (operators and tests end it with ``pg_terminate_backend``)."""
        if self._conn is None or self._conn.closed:
            return None
        return int(self._conn.info.backend_pid)

    async def _connection(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, connect_timeout=max(1, int(self._timeout)), options=KEEPALIVES
            )
        return self._conn

    async def _fetch(
        self, conn: psycopg.AsyncConnection[tuple[object, ...]], query: LiteralString
    ) -> tuple[object, ...] | None:
        params = (self.key,) if "%s" in query else None
        cursor = await conn.execute(query, params)
        return await cursor.fetchone()

    async def _drop(self) -> None:
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), self._timeout)

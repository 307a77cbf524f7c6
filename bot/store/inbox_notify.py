"""Wake-ups across replicas: ``LISTEN rfbot_inbox`` on a dedicated PostgreSQL connection.

Every inbox INSERT on PostgreSQL sends ``NOTIFY rfbot_inbox`` in its transaction (trigger of migration 0018), carrying
the claimer of the new row ('' for nobody). ``PgInboxListener`` keeps one autocommit psycopg connection of its
own (outside the request pool) listening, and calls ``wake`` for every notification except those of rows this
replica claimed itself (its intake already handed those to its worker). When the connection is lost it wakes the
worker once (notifications may have been missed), then reconnects with a growing pause (up to
``max_backoff`` seconds); the worker's poll stays the safety net meanwhile. On SQLite there is nothing to listen
to: the composition root builds no listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import LiteralString

import psycopg

from bot.store.advisory_lock import KEEPALIVES, libpq_url
from bot.store.repositories.inbox_claims import CHANNEL

log = logging.getLogger(__name__)
LISTEN: LiteralString = "LISTEN rfbot_inbox"
assert LISTEN.endswith(CHANNEL)


class PgInboxListener:
    """Calls ``wake()`` whenever another process adds an inbox row; ``start``/``stop`` with the worker."""

    def __init__(
        self, url: str, wake: Callable[[], None], *, ignore: str = "", max_backoff: float = 5.0, timeout: float = 5.0
    ) -> None:
        self._conninfo = libpq_url(url)
        self._wake = wake
        self._ignore = ignore
        self._max_backoff = max_backoff
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self.connected = asyncio.Event()  # set while LISTEN is in place (tests wait on it)
        self.received = 0

    def start(self) -> None:
        """Listen in the background of the current event loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="inbox-listener")

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()

    async def backend_pid(self) -> int | None:
        """The server process of the listening connection (tests end it with ``pg_terminate_backend``)."""
        conn = self._conn
        return None if conn is None or conn.closed else int(conn.info.backend_pid)

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._listen()
                backoff = 0.1
            except (psycopg.Error, OSError, TimeoutError) as err:
                log.warning("inbox listener: connection lost (%s); reconnecting in %.1f s", err, backoff)
            self.connected.clear()
            await self._close()
            self._wake()  # whatever was notified while we were away is read by a pass now
            await asyncio.sleep(backoff)
            backoff = min(self._max_backoff, backoff * 2)

    async def _listen(self) -> None:
        conn = await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, connect_timeout=max(1, int(self._timeout)), options=KEEPALIVES
        )
        self._conn = conn
        await conn.execute(LISTEN)
        self.connected.set()
        self._wake()  # rows added before LISTEN was in place
        async for notify in conn.notifies():
            self.received += 1
            if not self._ignore or notify.payload != self._ignore:
                self._wake()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), self._timeout)

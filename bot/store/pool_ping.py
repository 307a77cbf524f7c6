"""Liveness check of pooled connections that have sat idle, instead of a ping on every checkout.

SQLAlchemy's ``pool_pre_ping`` costs a round trip (and a few driver calls) on every checkout; a busy bot checks
out several connections per chat event, each last used milliseconds earlier. ``ping_when_idle`` pings only a
connection that has been back in the pool for at least ``idle_seconds``; the failure it guards against (the server
restarted, a proxy dropped an idle connection) is answered the same way as by ``pool_pre_ping``: the connection,
and every other one pooled before it, is replaced before use. A connection that broke while in constant use fails
its statement instead, which also makes SQLAlchemy replace every pooled connection.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine

CHECKED_IN_AT = "rfbot_checked_in_at"  # in the connection record's ``info``, which a reconnect clears


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a connection on checkout when it has been idle in ``engine``'s pool for ``idle_seconds`` or more."""
    dialect = engine.sync_engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[CHECKED_IN_AT] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(CHECKED_IN_AT, None)
        if since is None or time.monotonic() - since < idle_seconds:  # new, or in use moments ago
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                raise exc.InvalidatePoolError(f"idle connection failed its ping: {err}") from err
            raise

    event.listen(engine.sync_engine.pool, "checkin", checked_in)
    event.listen(engine.sync_engine.pool, "checkout", checked_out)

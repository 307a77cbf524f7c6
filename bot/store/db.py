"""Database URLs and engines: plain URLs in, the right async driver out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.store.pool_ping import ping_when_idle

SUPPORTED = "sqlite:///path/to/file.db, sqlite:///:memory:, postgresql://user@host:5432/db (or postgres://)"
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}
ASYNC_DRIVER_NAMES = {"aiosqlite", "psycopg", "psycopg_async", "asyncpg"}
SQLITE_BUSY_TIMEOUT_S = 30
PING_AFTER_IDLE_S = 1.0  # a pooled connection idle this long is pinged before use


def _split(url: str) -> tuple[str, str, str]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"{url!r} is not a database URL; supported: {SUPPORTED}")
    base, _, driver = scheme.partition("+")
    base = base.lower()
    if base not in ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {base!r} in {url!r}; supported: {SUPPORTED}")
    return base, driver.lower(), rest


def to_async_url(url: str) -> str:
    """The URL with an async driver: ``sqlite:///x.db`` -> ``sqlite+aiosqlite:///x.db``,
    ``postgresql://…``/``postgres://…`` -> ``postgresql+psycopg://…``. Async URLs are returned unchanged.

    Raises ``ValueError`` (listing the supported forms) for anything else.
    """
    base, driver, rest = _split(url)
    if driver in ASYNC_DRIVER_NAMES:
        return url
    return f"{ASYNC_DRIVERS[base]}://{rest}"


def to_sync_url(url: str) -> str:
    """The URL with a blocking driver (``sqlite://…``, ``postgresql+psycopg://…``), for tools that need one."""
    base, _, rest = _split(url)
    return f"{SYNC_DRIVERS[base]}://{rest}"


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs."""
    return _split(url)[0] == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory databases)."""
    database = make_url(to_async_url(url)).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``.

    SQLite: the file's folder is created; every connection gets foreign keys, WAL and a busy timeout.
    PostgreSQL: a connection that sat idle in the pool for ``ping_after_idle_s`` is pinged before use, so
    connections dropped by the server are replaced transparently (``bot.store.pool_ping``; ``pool_pre_ping=True``
    pings on every checkout instead); ``pool_size`` connections stay open (10 more are opened on bursts and closed
    after use). Extra ``kwargs`` go to ``create_async_engine``.
    """
    async_url = to_async_url(url)
    pool_size = kwargs.pop("pool_size", 20)
    ping_after_idle_s = kwargs.pop("ping_after_idle_s", PING_AFTER_IDLE_S)
    if not is_sqlite(url):
        engine = create_async_engine(async_url, pool_size=pool_size, max_overflow=10, **kwargs)
        if not kwargs.get("pool_pre_ping"):
            ping_when_idle(engine, ping_after_idle_s)
        return engine
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(async_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to ``engine``; loaded objects stay usable after commit (repositories return dataclasses)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)

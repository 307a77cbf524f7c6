"""Database URLs and engines: plain URLs in, the right async driver out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def to_async_url(url: str) -> str:
    """``sqlite:///x.db`` -> ``sqlite+aiosqlite:///x.db``; ``postgresql://…`` -> ``postgresql+psycopg://…``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"{url!r} is not a database URL; use sqlite:///path/to/file.db or postgresql://user@host/db")
    base, _, driver = scheme.partition("+")
    base = base.lower()
    if base not in ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {base!r}; supported: sqlite:///path, postgresql://user@host/db")
    if driver in ("aiosqlite", "psycopg", "psycopg_async"):
        return url
    return f"{ASYNC_DRIVERS[base]}://{rest}"


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs."""
    return url.lower().startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory)."""
    database = make_url(to_async_url(url)).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets its folder created, foreign keys, WAL and a busy timeout."""
    async_url = to_async_url(url)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(async_url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(async_url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)

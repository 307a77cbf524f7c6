"""``Database`` and ``make_engine``: pragmas, folders, ping, URL handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.database import Database
from bot.store.db import to_async_url, to_sync_url


async def test_sqlite_gets_its_folder_foreign_keys_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "rfbot.db"
    db = Database(f"sqlite:///{path}")
    try:
        assert await db.ping()
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() == 30000
        assert path.exists()
    finally:
        await db.dispose()


async def test_ping_on_both_databases(database: Database) -> None:
    assert await database.ping()
    assert database.dialect in ("sqlite", "postgresql")


async def test_ping_is_false_when_nothing_answers() -> None:
    db = Database("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")
    try:
        assert await db.ping() is False
    finally:
        await db.dispose()


async def test_in_memory_sqlite_works() -> None:
    db = Database("sqlite:///:memory:")
    try:
        assert await db.ping()
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("url", "sync"),
    [
        ("sqlite+aiosqlite:///x.db", "sqlite:///x.db"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_sync_urls(url: str, sync: str) -> None:
    assert to_sync_url(url) == sync


def test_async_urls_keep_an_async_driver() -> None:
    assert to_async_url("postgresql+asyncpg://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert to_async_url("postgresql+psycopg2://u@h/d") == "postgresql+psycopg://u@h/d"
    with pytest.raises(ValueError, match="postgresql://"):
        to_async_url("mssql://u@h/d")

"""Run Alembic programmatically (``rfbot db upgrade``, the app's startup check and the tests use these).

All functions are synchronous. Alembic runs on our async engine through ``connection.run_sync`` (see
``migrations/env.py``), inside its own event loop; when called from a thread that already runs a loop, the work
is moved to a helper thread so ``asyncio.run`` still gets a loop of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

import bot
from bot.store.db import make_engine, to_async_url

T = TypeVar("T")
MIGRATIONS = Path(bot.__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the repository's ``migrations/`` and at this database."""
    to_async_url(url)  # fail early, with the list of supported URLs
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def _blocking(fn: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="alembic") as pool:
        return pool.submit(fn).result()


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the schema of ``url`` to ``revision`` (default: the newest)."""
    _blocking(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str) -> None:
    """Downgrade the schema of ``url`` to ``revision`` (``"base"`` drops every table)."""
    _blocking(lambda: command.downgrade(alembic_config(url), revision))


@cache
def head() -> str | None:
    """The newest revision shipped with the code (read once per process: the code does not change under it)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def run_on(url: str, fn: Callable[[Connection], T]) -> T:
    """Run a synchronous function on a fresh connection to ``url`` and return its result (inspection, checks)."""

    async def run() -> T:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(fn)
        finally:
            await engine.dispose()

    return _blocking(lambda: asyncio.run(run()))


def current(url: str) -> str | None:
    """The schema revision of ``url`` (None when it has no schema yet)."""
    return run_on(url, lambda connection: MigrationContext.configure(connection).get_current_revision())

"""Run Alembic programmatically: ``rfbot db upgrade`` and the tests use these."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from bot.store.db import make_engine

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and this database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the schema to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the schema to ``revision`` (``base`` drops everything)."""
    command.downgrade(alembic_config(url), revision)


def run_on(url: str, fn: Callable[[Connection], T]) -> T:
    """Run a synchronous inspection function on a connection to ``url`` (for CLI checks and tests)."""

    async def run() -> T:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(fn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def current(url: str) -> str | None:
    """The schema revision of the database (None when it has no schema)."""
    return run_on(url, lambda connection: MigrationContext.configure(connection).get_current_revision())

"""Shared fixtures: the network guard, and real databases (a SQLite file and a fresh PostgreSQL database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.store import migrate
from bot.store.database import Database

pytest_plugins = ["tests.fakes.network_guard"]

PG_ADMIN_URLS = ("postgresql://postgres@127.0.0.1:5432/postgres", "postgresql://root@127.0.0.1:5432/postgres")
SKIP_PG = os.environ.get("RFBOT_SKIP_PG") == "1"


def _pg_admin() -> str:
    problems = []
    for url in PG_ADMIN_URLS:
        try:
            with psycopg.connect(url, connect_timeout=5):
                return url
        except psycopg.Error as err:
            problems.append(f"{url}: {err}")
    pytest.fail(
        "PostgreSQL is not reachable on 127.0.0.1:5432 (run `make test`, which starts it, or set "
        "RFBOT_SKIP_PG=1). " + "; ".join(problems)
    )


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A superuser URL on the local PostgreSQL server."""
    return _pg_admin()


def make_pg_database(admin_url: str) -> str:
    """Create a fresh database and return its URL."""
    name = f"rfbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``make_pg_database``."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a SQLite file, and a brand-new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rfbot.db'}"
        return
    if SKIP_PG:
        pytest.skip("RFBOT_SKIP_PG=1")
    admin = request.getfixturevalue("pg_admin_url")
    url = make_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, url)


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """``db_url`` with the schema at head."""
    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
async def database(migrated_url: str) -> AsyncIterator[Database]:
    """A ``Database`` over a migrated, empty database of each kind."""
    db = Database(migrated_url)
    try:
        yield db
    finally:
        await db.dispose()

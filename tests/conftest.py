"""Shared fixtures: the network guard, and real databases of each kind (a SQLite file, a fresh PostgreSQL database).

* ``db_url`` -- an EMPTY database (no schema), once per kind: ids ``[sqlite]`` and ``[postgres]``.
* ``migrated_url`` -- a database of each kind at the head revision with no rows. Migrations run once per test
  session: SQLite copies a migrated template file; PostgreSQL reuses one migrated database and empties every table
  before each test (``CREATE DATABASE`` alone costs ~0.4 s). Each pytest process has its own (a uniquely named
  ``rfbot_test_*`` database; a SQLite template under its own temporary folder), so parallel workers
  (``pytest -n 4``, pytest-xdist) never share one, and within a process tests run one at a time.
* ``database`` -- a ``bot.store.database.Database`` over ``migrated_url``, disposed afterwards.

PostgreSQL is on 127.0.0.1:5432 (user ``postgres``, else ``root``). ``RFBOT_SKIP_PG=1`` skips the postgres
variants; otherwise an unreachable server fails those tests with an explanation.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from bot.store import migrate
from bot.store.database import Database
from bot.store.tables import Base

pytest_plugins = ["tests.fakes.network_guard", "tests.fakes.watchdog"]

PG_ADMIN_URLS = ("postgresql://postgres@127.0.0.1:5432/postgres", "postgresql://root@127.0.0.1:5432/postgres")
SKIP_PG = os.environ.get("RFBOT_SKIP_PG") == "1"
KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_admin() -> str:
    problems = []
    for url in PG_ADMIN_URLS:
        try:
            with psycopg.connect(url, connect_timeout=5):
                return url
        except psycopg.Error as err:
            problems.append(f"{url}: {str(err).strip()}")
    pytest.fail(
        "PostgreSQL is not reachable on 127.0.0.1:5432 (start it, or set RFBOT_SKIP_PG=1 to skip the postgres "
        "tests). Tried " + "; ".join(problems),
        pytrace=False,
    )


def create_pg_database(admin_url: str) -> str:
    """Create a uniquely named empty database and return its URL."""
    name = f"rfbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_pg_database``, disconnecting anyone still on it."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A superuser URL on the local PostgreSQL server (fails the test if there is none)."""
    if SKIP_PG:
        pytest.skip("RFBOT_SKIP_PG=1")
    return _pg_admin()


@pytest.fixture(scope="session")
def pg_migrated(pg_admin_url: str) -> Iterator[str]:
    """The URL of a PostgreSQL database migrated to head, shared by the tests of this session."""
    url = create_pg_database(pg_admin_url)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_pg_database(pg_admin_url, url)


_OWNED_SEQUENCES = """
    SELECT DISTINCT s.oid::regclass::text FROM pg_class s
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    WHERE s.relkind = 'S' AND t.relname = ANY(%s)
"""
_emptying: dict[str, sql.Composed] = {}  # database URL -> the statements that empty it (this process's databases)


def truncate_all(url: str) -> None:
    """Empty every table except ``alembic_version`` and restart their id sequences, as ``TRUNCATE ... RESTART
    IDENTITY CASCADE`` would (fails fast, not hangs, if a connection still holds a lock).

    ``DELETE`` (children first) rather than ``TRUNCATE``: a test leaves a few rows, and ``TRUNCATE`` makes new files
    for all ~30 tables and syncs them to disk, ~60 ms a test against ~7 ms, and more when parallel workers share the
    disk. A table this order cannot empty (a non-cascading foreign key from a table the models do not know) falls
    back to ``TRUNCATE``."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '5s'")
        emptying = _emptying.get(url)
        if emptying is None:
            sequences = [row[0] for row in conn.execute(_OWNED_SEQUENCES, (tables,))]
            deletes = [sql.SQL("DELETE FROM {}").format(sql.Identifier(name)) for name in tables]
            restarts = [sql.SQL("ALTER SEQUENCE {} RESTART").format(sql.SQL(name)) for name in sequences]
            emptying = _emptying[url] = sql.SQL("; ").join(deletes + restarts)
        try:
            with conn.transaction():
                conn.execute(emptying)
        except psycopg.errors.ForeignKeyViolation:
            names = sql.SQL(", ").join(sql.Identifier(name) for name in tables)
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(names))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, to copy from."""
    path = tmp_path_factory.mktemp("template") / "rfbot.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres`` (skipped when ``RFBOT_SKIP_PG=1``)."""
    if request.param == "postgres" and SKIP_PG:
        pytest.skip("RFBOT_SKIP_PG=1")
    return str(request.param)


@pytest.fixture
def db_url(db_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a SQLite file in ``tmp_path``, or a new PostgreSQL database dropped after."""
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'rfbot.db'}"
        return
    admin = request.getfixturevalue("pg_admin_url")
    url = create_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, url)


@pytest.fixture
def migrated_url(db_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind with the schema at head (and no rows)."""
    if db_kind == "sqlite":
        path = tmp_path / "migrated.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_migrated")
    truncate_all(url)
    yield url


@pytest.fixture
async def database(migrated_url: str) -> AsyncIterator[Database]:
    """A ``Database`` over a migrated, empty database of each kind; disposed after the test."""
    db = Database(migrated_url)
    try:
        yield db
    finally:
        await db.dispose()

"""Migrations upgrade, downgrade and upgrade again on SQLite and PostgreSQL, and match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.store import migrate
from bot.store.tables import Base


def table_names(url: str) -> set[str]:
    return set(migrate.run_on(url, lambda c: inspect(c).get_table_names())) - {"alembic_version"}


def differences(url: str) -> list[object]:
    def diff(conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))

    return migrate.run_on(url, diff)


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    assert migrate.current(db_url) is None
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == "0001"
    assert table_names(db_url) == set(Base.metadata.tables)
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    assert table_names(db_url) == set()
    migrate.upgrade(db_url)
    assert table_names(db_url) == set(Base.metadata.tables)


def test_models_and_migrations_agree(db_url: str) -> None:
    migrate.upgrade(db_url)
    assert differences(db_url) == []

"""Migrations upgrade, downgrade and upgrade again on SQLite and PostgreSQL, and match the models exactly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.store import migrate
from bot.store.search_tables import include_name, is_full_text_object
from bot.store.tables import Base


def schema(url: str) -> dict[str, Any]:
    """Tables with the names of their indexes, unique constraints and foreign keys.

    The retrieval index's full-text objects (SQLite FTS5 tables, the PostgreSQL tsvector index) are raw DDL outside
    the metadata, so they are left out here as in Alembic's comparison (``include_name``)."""

    def read(conn: Connection) -> dict[str, Any]:
        insp = inspect(conn)
        return {
            table: (
                sorted(
                    i["name"] or ""
                    for i in insp.get_indexes(table)
                    if not i.get("duplicates_constraint") and not is_full_text_object(i["name"], "index")
                ),
                sorted(u["name"] or "" for u in insp.get_unique_constraints(table)),
                sorted(f["name"] or "" for f in insp.get_foreign_keys(table)),
            )
            for table in insp.get_table_names()
            if table != "alembic_version" and not is_full_text_object(table, "table")
        }

    return migrate.run_on(url, read)


def differences(url: str) -> list[Any]:
    """What ``alembic check`` would report: the models compared with the migrated database."""

    def diff(conn: Connection) -> list[Any]:
        opts = {"compare_type": True, "target_metadata": Base.metadata, "include_name": include_name}
        ctx = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(ctx, Base.metadata))

    return migrate.run_on(url, diff)


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    assert migrate.current(db_url) is None
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head() == "0018"
    first = schema(db_url)
    assert set(first) == set(Base.metadata.tables)
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    assert schema(db_url) == {}
    migrate.upgrade(db_url)
    assert schema(db_url) == first


def test_models_and_migrations_agree(db_url: str) -> None:
    migrate.upgrade(db_url)
    assert differences(db_url) == []


def test_every_model_constraint_has_its_conventional_name(db_url: str) -> None:
    migrate.upgrade(db_url)
    tables = schema(db_url)
    for table in Base.metadata.sorted_tables:
        indexes, uniques, fks = tables[table.name]
        assert sorted(str(i.name) for i in table.indexes) == indexes
        assert sorted(str(f.name) for f in table.foreign_key_constraints) == fks
        if uniques or db_url.startswith("postgres"):  # SQLite reports unnamed unique constraints
            assert all(u.startswith(f"uq_{table.name}_") for u in uniques)


def test_upgrade_works_from_inside_a_running_event_loop(db_url: str) -> None:
    import asyncio

    async def main() -> str | None:
        migrate.upgrade(db_url)
        return migrate.current(db_url)

    assert asyncio.run(main()) == migrate.head()


def test_each_revision_steps_up_and_down(db_url: str) -> None:
    migrate.upgrade(db_url, "0001")
    assert "chat_messages" not in schema(db_url)
    migrate.upgrade(db_url, "0002")
    assert "chat_messages" in schema(db_url)
    migrate.upgrade(db_url, "0003")
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= set(schema(db_url))
    migrate.downgrade(db_url, "0002")
    assert "slack_bots" not in schema(db_url) and "chat_messages" in schema(db_url)
    migrate.downgrade(db_url, "0001")
    assert "chat_messages" not in schema(db_url) and migrate.current(db_url) == "0001"


def test_the_full_text_objects_exist_only_on_their_dialect(db_url: str) -> None:
    migrate.upgrade(db_url)

    def objects(conn: Connection) -> tuple[set[str], set[str]]:
        insp = inspect(conn)
        return set(insp.get_table_names()), {c["name"] for c in insp.get_columns("search_documents")}

    tables, columns = migrate.run_on(db_url, objects)
    if db_url.startswith("sqlite"):
        assert "search_fts" in tables and "search_tsv" not in columns
    else:
        assert "search_fts" not in tables and "search_tsv" in columns
    migrate.downgrade(db_url, "0006")
    tables, _ = migrate.run_on(db_url, lambda conn: (set(inspect(conn).get_table_names()), set()))
    assert not any(t.startswith("search_") for t in tables)

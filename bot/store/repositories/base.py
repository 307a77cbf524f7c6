"""Shared base of the SQL repositories.

Repositories run Core statements on the unit of work's ``AsyncConnection`` (no ORM session: no identity map, no
unit-of-work bookkeeping, no ORM compile step). Writes are ``INSERT``/``UPDATE`` statements fed with column dicts
built from the domain dataclasses; reads select table columns and map ``Row``s to dataclasses
(``bot.store.mapping``). Repositories hand out dataclasses, never rows.

Hot statements are built once, at import, with ``bindparam`` placeholders: executing the same statement object
again reuses its memoized cache key and SQLAlchemy's compiled form, so nothing is constructed or compiled per call.
Statements whose SQL differs between SQLite and PostgreSQL (``ON CONFLICT``) are built once per dialect
(``per_dialect``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, Row, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.engine.ports import DuplicateRowError

S = TypeVar("S")
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def table_of(mapped: Any) -> Table:
    """The ``Table`` of a mapped class (typed as one, for Core statements)."""
    return cast(Table, mapped.__table__)


def dialect_insert(dialect: str) -> Callable[..., Any]:
    """``insert`` of the dialect, with ``on_conflict_do_nothing`` / ``on_conflict_do_update`` (SQLite >= 3.24 and
    PostgreSQL both support ``ON CONFLICT``)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def per_dialect(build: Callable[[str], S]) -> Callable[[str], S]:
    """Memoize a statement builder by dialect name: the statement is built once per dialect, then reused."""
    return cache(build)


class SqlRepository:
    """Holds the unit of work's ``AsyncConnection`` (one transaction)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._c.dialect.name

    def insert_ignoring_conflicts(self, table: Any, **values: Any) -> Any:
        """``INSERT … ON CONFLICT DO NOTHING`` for this dialect (both SQLite and PostgreSQL support it)."""
        return dialect_insert(self.dialect)(table).values(**values).on_conflict_do_nothing()

    @staticmethod
    @asynccontextmanager
    async def natural_key(what: str) -> AsyncIterator[None]:
        """Turn a unique-constraint violation (a concurrent writer inserted the same key) into ``DuplicateRowError``,
        which the engine answers by retrying the unit of work; other integrity errors pass through."""
        try:
            yield
        except IntegrityError as err:
            if "unique" not in str(err.orig).lower():
                raise
            raise DuplicateRowError(f"{what} was inserted concurrently") from err

    async def run(self, stmt: Executable, params: Params = None) -> Any:
        """Execute ``stmt`` (with ``params``) in the unit of work's transaction; returns the ``CursorResult``."""
        return await self._c.execute(stmt, params)

    async def first(self, stmt: Executable, params: Params = None) -> Row[Any] | None:
        """The first row of ``stmt``, or None (the statement should say ``LIMIT 1`` if it can match more)."""
        return (await self._c.execute(stmt, params)).first()

    async def all(self, stmt: Executable, params: Params = None) -> Sequence[Row[Any]]:
        """Every row of ``stmt``."""
        return (await self._c.execute(stmt, params)).all()

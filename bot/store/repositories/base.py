"""Shared base of the SQL repositories.

Writes are Core ``INSERT``/``UPDATE`` statements built from the domain dataclasses; reads select mapped rows with
``populate_existing`` so a row read earlier in the same unit of work is never served stale from the identity
map after a Core write. Repositories hand out dataclasses, never rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.ports import DuplicateRowError

T = TypeVar("T")


class SqlRepository:
    """Holds the unit of work's ``AsyncSession``."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._s.get_bind().dialect.name

    def insert_ignoring_conflicts(self, table: Any, **values: Any) -> Any:
        """``INSERT … ON CONFLICT DO NOTHING`` for this dialect (both SQLite and PostgreSQL support it)."""
        builder = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        return builder(table).values(**values).on_conflict_do_nothing()

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

    async def first(self, stmt: Select[T]) -> T | None:
        """The first row of ``stmt``, freshly loaded, or None."""
        result = await self._s.execute(stmt.limit(1).execution_options(populate_existing=True))
        return result.scalars().first()

    async def all(self, stmt: Select[T]) -> Sequence[T]:
        """Every row of ``stmt``, freshly loaded."""
        result = await self._s.execute(stmt.execution_options(populate_existing=True))
        return result.scalars().all()

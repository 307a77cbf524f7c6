"""Shared base of the SQL repositories."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlRepository:
    """Holds the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._s.get_bind().dialect.name

"""Teams (tenants)."""

from __future__ import annotations

from sqlalchemy import insert, select

from bot.engine.model import Team
from bot.store.mapping import team_from_row
from bot.store.repositories.base import SqlRepository
from bot.store.tables import TeamRow


class SqlTeams(SqlRepository):
    """``TeamRepository`` over the ``teams`` table."""

    async def get(self, team_id: str) -> Team | None:
        """The team with this id."""
        row = await self.first(select(TeamRow).where(TeamRow.id == team_id))
        return team_from_row(row) if row else None

    async def get_by_name(self, name: str) -> Team | None:
        """The team with this name."""
        row = await self.first(select(TeamRow).where(TeamRow.name == name))
        return team_from_row(row) if row else None

    async def add(self, team: Team) -> None:
        """Insert a team; ``DuplicateRowError`` if a team of that name was added concurrently."""
        async with self.natural_key("team name"):
            await self._s.execute(insert(TeamRow).values(id=team.id, name=team.name, created_at=team.created_at))

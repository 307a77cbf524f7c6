"""Teams (tenants)."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select

from bot.engine.model import Team
from bot.store.mapping import team_from_row
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import TeamRow

TEAMS = table_of(TeamRow)
BY_ID = select(TEAMS).where(TEAMS.c.id == bindparam("b_id"))
BY_NAME = select(TEAMS).where(TEAMS.c.name == bindparam("b_name"))
INSERT = insert(TEAMS)
ALL = select(TEAMS).order_by(TEAMS.c.name).limit(bindparam("b_limit"))


class SqlTeams(SqlRepository):
    """``TeamRepository`` over the ``teams`` table."""

    async def get(self, team_id: str) -> Team | None:
        """The team with this id."""
        row = await self.first(BY_ID, {"b_id": team_id})
        return team_from_row(row) if row else None

    async def get_by_name(self, name: str) -> Team | None:
        """The team with this name."""
        row = await self.first(BY_NAME, {"b_name": name})
        return team_from_row(row) if row else None

    async def every(self, limit: int = 1000) -> list[Team]:
        """Every team, by name (at most ``limit``): for operators and start-up chores, never for a tenant."""
        return [team_from_row(r) for r in (await self.run(ALL, {"b_limit": limit})).all()]

    async def add(self, team: Team) -> None:
        """Insert a team; ``DuplicateRowError`` if a team of that name was added concurrently."""
        async with self.natural_key("team name"):
            await self.run(INSERT, {"id": team.id, "name": team.name, "created_at": team.created_at})

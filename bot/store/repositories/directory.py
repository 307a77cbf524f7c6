"""Teams, users (with chat identities) and per-team settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from bot.engine.model import Role, Team, User
from bot.store.repositories.base import SqlRepository
from bot.store.tables import AccountSettingsRow, TeamRow, UserIdentityRow, UserRow


class SqlTeams(SqlRepository):
    """Teams (tenants)."""

    async def get(self, team_id: str) -> Team | None:
        """The team with this id."""
        row = await self._s.get(TeamRow, team_id)
        return Team(row.id, row.name, row.created_at) if row else None

    async def get_by_name(self, name: str) -> Team | None:
        """The team with this name."""
        row = (await self._s.execute(select(TeamRow).where(TeamRow.name == name))).scalar_one_or_none()
        return Team(row.id, row.name, row.created_at) if row else None

    async def add(self, team: Team) -> None:
        """Insert a team."""
        self._s.add(TeamRow(id=team.id, name=team.name, created_at=team.created_at))
        await self._s.flush()


class SqlUsers(SqlRepository):
    """Users of one team."""

    async def _identities(self, user_id: str) -> dict[str, str]:
        rows = (await self._s.execute(select(UserIdentityRow).where(UserIdentityRow.user_id == user_id))).scalars()
        return {r.platform: r.platform_user_id for r in rows}

    async def _user(self, row: UserRow | None) -> User | None:
        if row is None:
            return None
        return User(
            id=row.id,
            team_id=row.team_id,
            display_name=row.display_name,
            role=Role(row.role),
            email=row.email,
            identities=await self._identities(row.id),
            created_at=row.created_at,
        )

    async def get(self, team_id: str, user_id: str) -> User | None:
        """A user by id."""
        stmt = select(UserRow).where(UserRow.id == user_id, UserRow.team_id == team_id)
        return await self._user((await self._s.execute(stmt)).scalar_one_or_none())

    async def by_identity(self, team_id: str, platform: str, platform_user_id: str) -> User | None:
        """The user with this chat identity."""
        stmt = (
            select(UserRow)
            .join(UserIdentityRow, UserIdentityRow.user_id == UserRow.id)
            .where(
                UserIdentityRow.team_id == team_id,
                UserIdentityRow.platform == platform,
                UserIdentityRow.platform_user_id == platform_user_id,
                UserRow.team_id == team_id,
            )
        )
        return await self._user((await self._s.execute(stmt)).scalar_one_or_none())

    async def add(self, user: User) -> None:
        """Insert a user with its identities."""
        self._s.add(
            UserRow(
                id=user.id,
                team_id=user.team_id,
                display_name=user.display_name,
                role=user.role.value,
                email=user.email,
                created_at=user.created_at,
            )
        )
        await self._s.flush()
        await self._write_identities(user)

    async def _write_identities(self, user: User) -> None:
        await self._s.execute(delete(UserIdentityRow).where(UserIdentityRow.user_id == user.id))
        for platform, pid in user.identities.items():
            self._s.add(UserIdentityRow(team_id=user.team_id, user_id=user.id, platform=platform, platform_user_id=pid))
        await self._s.flush()

    async def update(self, user: User) -> None:
        """Save role, name, e-mail and identities."""
        row = await self._s.get(UserRow, user.id)
        if row is None or row.team_id != user.team_id:
            raise LookupError(f"no user {user.id} in team {user.team_id}")
        row.display_name, row.role, row.email = user.display_name, user.role.value, user.email
        await self._write_identities(user)

    async def list(self, team_id: str) -> Sequence[User]:
        """All users of the team."""
        rows = await self._s.execute(select(UserRow).where(UserRow.team_id == team_id).order_by(UserRow.display_name))
        users = [await self._user(r) for r in rows.scalars().all()]
        return [u for u in users if u is not None]


class SqlSettings(SqlRepository):
    """Per-team JSON preferences, row created on first write."""

    async def get(self, team_id: str) -> dict[str, Any]:
        """The team's preferences ({} if never written)."""
        row = await self._s.get(AccountSettingsRow, team_id)
        return dict(row.prefs) if row else {}

    async def put(self, team_id: str, values: dict[str, Any]) -> None:
        """Merge ``values`` into the team's preferences."""
        row = await self._s.get(AccountSettingsRow, team_id)
        now = datetime.now(UTC)
        if row is None:
            self._s.add(AccountSettingsRow(team_id=team_id, prefs=dict(values), updated_at=now))
        else:
            row.prefs = {**row.prefs, **values}
            row.updated_at = now
        await self._s.flush()

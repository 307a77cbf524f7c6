"""Users of one team and their chat identities."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select, update

from bot.engine.model import Role, User
from bot.store.repositories.base import SqlRepository
from bot.store.tables import UserIdentityRow, UserRow


def _user(row: UserRow, identities: dict[str, str]) -> User:
    return User(
        id=row.id,
        team_id=row.team_id,
        display_name=row.display_name,
        role=Role(row.role),
        email=row.email,
        identities=identities,
        created_at=row.created_at,
    )


class SqlUsers(SqlRepository):
    """``UserRepository``: ``users`` plus ``user_identities`` (one row per platform)."""

    async def _identities(self, team_id: str, user_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        stmt = select(UserIdentityRow).where(
            UserIdentityRow.team_id == team_id, UserIdentityRow.user_id.in_(list(user_ids))
        )
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for row in await self.all(stmt.order_by(UserIdentityRow.platform)):
            found[row.user_id][row.platform] = row.platform_user_id
        return found

    async def _one(self, row: UserRow | None) -> User | None:
        if row is None:
            return None
        return _user(row, (await self._identities(row.team_id, [row.id])).get(row.id, {}))

    async def get(self, team_id: str, user_id: str) -> User | None:
        """A user by id, within the team."""
        return await self._one(
            await self.first(select(UserRow).where(UserRow.id == user_id, UserRow.team_id == team_id))
        )

    async def by_identity(self, team_id: str, platform: str, platform_user_id: str) -> User | None:
        """The team's user with this chat identity."""
        stmt = (
            select(UserRow)
            .join(
                UserIdentityRow, (UserIdentityRow.user_id == UserRow.id) & (UserIdentityRow.team_id == UserRow.team_id)
            )
            .where(
                UserRow.team_id == team_id,
                UserIdentityRow.platform == platform,
                UserIdentityRow.platform_user_id == platform_user_id,
            )
        )
        return await self._one(await self.first(stmt))

    async def add(self, user: User) -> None:
        """Insert a user with its identities; ``DuplicateRowError`` if one of the identities was added concurrently."""
        async with self.natural_key("chat identity"):
            await self._s.execute(
                insert(UserRow).values(
                    id=user.id,
                    team_id=user.team_id,
                    display_name=user.display_name,
                    role=user.role.value,
                    email=user.email,
                    created_at=user.created_at,
                )
            )
            await self._write_identities(user)

    async def update(self, user: User) -> None:
        """Save role, name, e-mail and identities; ``LookupError`` if the team has no such user."""
        result = await self._s.execute(
            update(UserRow)
            .where(UserRow.id == user.id, UserRow.team_id == user.team_id)
            .values(display_name=user.display_name, role=user.role.value, email=user.email)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LookupError(f"no user {user.id} in team {user.team_id}")
        await self._write_identities(user)

    async def _write_identities(self, user: User) -> None:
        await self._s.execute(
            delete(UserIdentityRow)
            .where(UserIdentityRow.user_id == user.id, UserIdentityRow.team_id == user.team_id)
            .execution_options(synchronize_session=False)
        )
        if user.identities:
            await self._s.execute(
                insert(UserIdentityRow),
                [
                    {"team_id": user.team_id, "user_id": user.id, "platform": p, "platform_user_id": pid}
                    for p, pid in sorted(user.identities.items())
                ],
            )

    async def list(self, team_id: str) -> Sequence[User]:
        """All users of the team, by display name."""
        rows = await self.all(
            select(UserRow).where(UserRow.team_id == team_id).order_by(UserRow.display_name, UserRow.id)
        )
        identities = await self._identities(team_id, [r.id for r in rows])
        return [_user(r, identities.get(r.id, {})) for r in rows]

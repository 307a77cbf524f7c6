"""Users of one team and their chat identities.

A user is read together with its identities in one statement: ``users`` joined to ``user_identities``, one row per
identity (none for a user without identities: outer join), in platform order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, delete, insert, select, update

from bot.engine.model import Role, User
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import UserIdentityRow, UserRow

USERS, IDENTITIES = table_of(UserRow), table_of(UserIdentityRow)
_B_TEAM: BindParameter[str] = bindparam("b_team")
_USER_COLUMNS = (USERS.c.id, USERS.c.team_id, USERS.c.display_name, USERS.c.role, USERS.c.email, USERS.c.created_at)
_WITH_IDENTITIES = select(*_USER_COLUMNS, IDENTITIES.c.platform, IDENTITIES.c.platform_user_id).select_from(
    USERS.outerjoin(IDENTITIES, (IDENTITIES.c.user_id == USERS.c.id) & (IDENTITIES.c.team_id == USERS.c.team_id))
)
_MATCH = IDENTITIES.alias("matched")

GET = _WITH_IDENTITIES.where(USERS.c.team_id == _B_TEAM, USERS.c.id == bindparam("b_id")).order_by(
    IDENTITIES.c.platform
)
BY_IDENTITY = (
    _WITH_IDENTITIES.join(_MATCH, (_MATCH.c.user_id == USERS.c.id) & (_MATCH.c.team_id == USERS.c.team_id))
    .where(
        USERS.c.team_id == _B_TEAM,
        _MATCH.c.platform == bindparam("b_platform"),
        _MATCH.c.platform_user_id == bindparam("b_platform_user_id"),
    )
    .order_by(IDENTITIES.c.platform)
)
LIST = _WITH_IDENTITIES.where(USERS.c.team_id == _B_TEAM).order_by(
    USERS.c.display_name, USERS.c.id, IDENTITIES.c.platform
)
INSERT_USER, INSERT_IDENTITY = insert(USERS), insert(IDENTITIES)
UPDATE_USER = update(USERS).where(USERS.c.id == bindparam("b_id"), USERS.c.team_id == _B_TEAM)
DELETE_IDENTITIES = delete(IDENTITIES).where(IDENTITIES.c.user_id == bindparam("b_id"), IDENTITIES.c.team_id == _B_TEAM)


def _users(rows: Iterable[Row[Any]]) -> list[User]:
    """Users from rows of ``_WITH_IDENTITIES`` (a user's rows are adjacent), in row order."""
    users: list[User] = []
    for row in rows:
        if not users or users[-1].id != row.id:
            users.append(
                User(
                    id=row.id,
                    team_id=row.team_id,
                    display_name=row.display_name,
                    role=Role(row.role),
                    email=row.email,
                    identities={},
                    created_at=row.created_at,
                )
            )
        if row.platform is not None:
            users[-1].identities[row.platform] = row.platform_user_id
    return users


class SqlUsers(SqlRepository):
    """``UserRepository``: ``users`` plus ``user_identities`` (one row per platform)."""

    async def get(self, team_id: str, user_id: str) -> User | None:
        """A user by id, within the team."""
        found = _users(await self.all(GET, {"b_team": team_id, "b_id": user_id}))
        return found[0] if found else None

    async def by_identity(self, team_id: str, platform: str, platform_user_id: str) -> User | None:
        """The team's user with this chat identity."""
        params = {"b_team": team_id, "b_platform": platform, "b_platform_user_id": platform_user_id}
        found = _users(await self.all(BY_IDENTITY, params))
        return found[0] if found else None

    async def add(self, user: User) -> None:
        """Insert a user with its identities; ``DuplicateRowError`` if one of the identities was added concurrently."""
        async with self.natural_key("chat identity"):
            await self.run(
                INSERT_USER,
                {
                    "id": user.id,
                    "team_id": user.team_id,
                    "display_name": user.display_name,
                    "role": user.role.value,
                    "email": user.email,
                    "created_at": user.created_at,
                },
            )
            await self._write_identities(user)

    async def update(self, user: User) -> None:
        """Save role, name, e-mail and identities; ``LookupError`` if the team has no such user."""
        values = {"display_name": user.display_name, "role": user.role.value, "email": user.email}
        result = await self.run(UPDATE_USER, {**values, "b_id": user.id, "b_team": user.team_id})
        if result.rowcount != 1:
            raise LookupError(f"no user {user.id} in team {user.team_id}")
        await self._write_identities(user)

    async def _write_identities(self, user: User) -> None:
        await self.run(DELETE_IDENTITIES, {"b_id": user.id, "b_team": user.team_id})
        if user.identities:
            await self.run(
                INSERT_IDENTITY,
                [
                    {"team_id": user.team_id, "user_id": user.id, "platform": p, "platform_user_id": pid}
                    for p, pid in sorted(user.identities.items())
                ],
            )

    async def list(self, team_id: str) -> Sequence[User]:
        """All users of the team, by display name."""
        return _users(await self.all(LIST, {"b_team": team_id}))

"""Teams and users: find or create them for the actor of an event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.engine.events import Actor
from bot.engine.model import Role, Team, User
from bot.engine.ports import DuplicateRowError, Ids, UnitOfWork, UnitOfWorkFactory

TEAM_ATTEMPTS = 3


async def ensure_team(uow: UnitOfWork, ids: Ids, name: str, now: datetime) -> Team:
    """The team with this name, created if it does not exist yet."""
    team = await uow.teams.get_by_name(name)
    if team is None:
        team = Team(id=ids.new(), name=name, created_at=now)
        await uow.teams.add(team)
    return team


async def team_id_for(uow_factory: UnitOfWorkFactory, ids: Ids, name: str, now: Callable[[], datetime]) -> str:
    """Id of the team with this name, created and committed on first use.

    Safe under concurrency: when two requests create the same team at once, the loser retries and finds the
    winner's row."""
    for attempt in range(TEAM_ATTEMPTS):
        async with uow_factory() as uow:
            try:
                team = await ensure_team(uow, ids, name, now())
            except DuplicateRowError:
                await uow.rollback()
                if attempt == TEAM_ATTEMPTS - 1:
                    raise
                continue
            await uow.commit()
            return team.id
    raise AssertionError("unreachable")  # pragma: no cover


async def ensure_user(uow: UnitOfWork, ids: Ids, team_id: str, actor: Actor, now: datetime) -> User:
    """The user behind a chat identity; the first user of a team becomes its team admin."""
    user = await uow.users.by_identity(team_id, actor.platform, actor.platform_user_id)
    if user is not None:
        changed = False
        if actor.display_name and user.display_name != actor.display_name:
            user.display_name, changed = actor.display_name, True
        if actor.email and not user.email:
            user.email, changed = actor.email, True
        if changed:
            await uow.users.update(user)
        return user
    first = not await uow.users.list(team_id)
    user = User(
        id=ids.new(),
        team_id=team_id,
        display_name=actor.display_name or actor.platform_user_id,
        role=Role.TEAM_ADMIN if first else Role.ENGINEER,
        email=actor.email,
        identities={actor.platform: actor.platform_user_id},
        created_at=now,
    )
    await uow.users.add(user)
    return user

"""Message refs: put, get, replace — per team and platform."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine.model import Team
from bot.engine.ports import MessageLocation
from bot.store.database import Database
from bot.store.message_refs import SqlMessageRefs


@pytest.mark.parametrize("source", ["engine", "sessionmaker"])
async def test_put_get_replace_and_isolation(database: Database, source: str) -> None:
    async with database.uow() as uow:
        for team in ("ta", "tb"):
            await uow.teams.add(Team(team, team.upper(), datetime(2026, 11, 25, tzinfo=UTC)))
        await uow.commit()
    refs = SqlMessageRefs(database.engine if source == "engine" else database.sessionmaker)
    assert await refs.get("ta", "slack", "s1:card") is None
    await refs.put("ta", "slack", "s1:card", MessageLocation("C1", "1700000000.0001"))
    await refs.put("ta", "slack", "s1:card", MessageLocation("C1", "1700000000.0001", "1700000000.0001"))
    assert await refs.get("ta", "slack", "s1:card") == MessageLocation("C1", "1700000000.0001", "1700000000.0001")
    assert await refs.get("tb", "slack", "s1:card") is None
    assert await refs.get("ta", "teams", "s1:card") is None

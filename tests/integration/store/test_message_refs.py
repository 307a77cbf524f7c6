"""Message refs: put, get, replace — per team and platform."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.engine.message_refs import MessageLocation
from bot.engine.model import Team
from bot.store.database import Database
from bot.store.message_refs import SqlMessageRefs
from tests.integration.store.test_statement_budget import statements


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


async def test_locations_are_remembered_and_a_stale_one_can_be_forgotten(database: Database) -> None:
    async with database.uow() as uow:
        await uow.teams.add(Team("ta", "TA", datetime(2026, 11, 25, tzinfo=UTC)))
        await uow.commit()
    here, other = SqlMessageRefs(database.engine), SqlMessageRefs(database.engine)  # two processes
    await here.put("ta", "slack", "s1:step:1", MessageLocation("C1", "1.1", "1.0"))
    with statements(database) as seen:
        assert await here.get("ta", "slack", "s1:step:1") == MessageLocation("C1", "1.1", "1.0")
    assert seen == []  # written through: no read
    assert await other.get("ta", "slack", "s1:step:1") == MessageLocation("C1", "1.1", "1.0")  # from the table
    await other.put("ta", "slack", "s1:step:1", MessageLocation("C1", "2.2", "1.0"))  # posted anew elsewhere
    assert await here.get("ta", "slack", "s1:step:1") == MessageLocation("C1", "1.1", "1.0")  # stale in memory
    here.forget("ta", "slack", "s1:step:1")
    assert await here.get("ta", "slack", "s1:step:1") == MessageLocation("C1", "2.2", "1.0")


async def test_the_memory_is_bounded(database: Database) -> None:
    async with database.uow() as uow:
        await uow.teams.add(Team("ta", "TA", datetime(2026, 11, 25, tzinfo=UTC)))
        await uow.commit()
    refs = SqlMessageRefs(database.engine, cache_size=2)
    for n in range(3):
        await refs.put("ta", "slack", f"r{n}", MessageLocation("C1", f"{n}.0"))
    with statements(database) as seen:
        assert await refs.get("ta", "slack", "r2") == MessageLocation("C1", "2.0")
        assert await refs.get("ta", "slack", "r0") == MessageLocation("C1", "0.0")  # evicted: read again
    assert seen == ["SELECT"]


async def test_a_location_the_table_could_not_take_is_kept_and_written_later(database: Database) -> None:
    async with database.uow() as uow:
        await uow.teams.add(Team("ta", "TA", datetime(2026, 11, 25, tzinfo=UTC)))
        await uow.commit()
    refs = SqlMessageRefs(database.engine)
    async with database.engine.begin() as conn:  # the table is out of reach (a database restarting, say)
        await conn.execute(text("ALTER TABLE chat_messages RENAME TO chat_messages_away"))
    await refs.put("ta", "slack", "s1:step:1", MessageLocation("C1", "1.1", "1.0"))  # no error: kept in memory
    assert refs.unsaved == 1
    assert await refs.get("ta", "slack", "s1:step:1") == MessageLocation("C1", "1.1", "1.0"), "still updated in place"
    async with database.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE chat_messages_away RENAME TO chat_messages"))
    await refs.put("ta", "slack", "s1:step:2", MessageLocation("C1", "2.2", "1.0"))
    assert refs.unsaved == 0
    other = SqlMessageRefs(database.engine)  # another process reads both from the table
    assert await other.get("ta", "slack", "s1:step:1") == MessageLocation("C1", "1.1", "1.0")
    assert await other.get("ta", "slack", "s1:step:2") == MessageLocation("C1", "2.2", "1.0")

"""Sessions on SQLite and PostgreSQL: lossless round trips, optimistic concurrency, queries, timeline numbering."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.engine.model import Fact, FactSource, FixDecision, FixStatus, SessionStatus, SuggestedFix
from bot.engine.ports import StaleSessionError
from bot.store.database import Database
from tests.integration.store.builders import ALICE, NOW, SESSION, TEAM_A, TEAM_B, entry, session


async def test_round_trip_is_lossless_and_datetimes_are_utc(seeded: Database) -> None:
    async with seeded.uow() as uow:
        loaded = await uow.sessions.get(TEAM_A, SESSION)
    assert loaded == session()
    assert loaded is not None
    for value in (loaded.started_at, loaded.updated_at, loaded.ended_at, loaded.resolution_note_posted_at):
        assert value is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0)


async def test_save_bumps_and_persists_changes(seeded: Database) -> None:
    async with seeded.uow() as uow:
        s = await uow.sessions.get(TEAM_A, SESSION)
        assert s is not None
        s.bump(NOW + timedelta(minutes=5))
        s.status, s.ticket, s.history = SessionStatus.PAUSED, None, [*s.history, "q"]
        await uow.sessions.save(s, expected_version=0)
        await uow.commit()
    async with seeded.uow() as uow:
        again = await uow.sessions.get(TEAM_A, SESSION)
    assert again == s
    assert again is not None and (again.state_version, again.ticket) == (1, None)


async def test_second_of_two_concurrent_saves_is_stale(seeded: Database) -> None:
    async with seeded.uow() as first, seeded.uow() as second:
        a = await first.sessions.get(TEAM_A, SESSION)
        b = await second.sessions.get(TEAM_A, SESSION)
        assert a is not None and b is not None
        a.bump(NOW)
        await first.sessions.save(a, a.state_version - 1)
        await first.commit()
        b.bump(NOW)
        b.title = "lost update"
        with pytest.raises(StaleSessionError):
            await second.sessions.save(b, b.state_version - 1)
    async with seeded.uow() as uow:
        stored = await uow.sessions.get(TEAM_A, SESSION)
    assert stored is not None and (stored.state_version, stored.title) == (1, session().title)


async def test_save_into_another_team_is_refused(seeded: Database) -> None:
    async with seeded.uow() as uow:
        with pytest.raises(StaleSessionError):
            await uow.sessions.save(session(team=TEAM_B), 0)


async def test_open_in_conversation_and_for_engineer(seeded: Database) -> None:
    later = NOW + timedelta(minutes=1)
    async with seeded.uow() as uow:
        await uow.sessions.add(session("s-2", updated_at=later, status=SessionStatus.PAUSED))
        await uow.sessions.add(session("s-3", updated_at=later + timedelta(minutes=1), status=SessionStatus.RESOLVED))
        await uow.sessions.add(session("s-4", conversation_key="slack:C2:T9", updated_at=later - timedelta(seconds=30)))
        await uow.commit()
    async with seeded.uow() as uow:
        newest_open = await uow.sessions.open_in_conversation(TEAM_A, "slack:C1:T1")
        assert newest_open is not None and newest_open.id == "s-2"
        assert await uow.sessions.open_in_conversation(TEAM_A, "nowhere") is None
        open_ones = await uow.sessions.for_engineer(TEAM_A, ALICE, [SessionStatus.ACTIVE, SessionStatus.PAUSED])
        assert [s.id for s in open_ones] == ["s-2", "s-4", SESSION]
        assert [s.id for s in await uow.sessions.for_engineer(TEAM_A, ALICE, [SessionStatus.RESOLVED])] == ["s-3"]
        assert len(await uow.sessions.for_engineer(TEAM_A, ALICE, list(SessionStatus), limit=2)) == 2


async def test_timeline_is_numbered_in_order(seeded: Database) -> None:
    async with seeded.uow() as uow:
        entries = [entry(n) for n in range(1, 4)]
        for e in entries:
            await uow.sessions.append_timeline(e)
        assert [e.seq for e in entries] == [1, 2, 3]
        await uow.commit()
    async with seeded.uow() as uow:
        stored = await uow.sessions.timeline(TEAM_A, SESSION)
    assert stored == entries
    assert all(e.at.tzinfo is not None for e in stored)


async def test_concurrent_appends_queue_up_and_get_distinct_numbers(seeded: Database) -> None:
    async with seeded.uow() as first, seeded.uow() as second:
        await first.sessions.append_timeline(entry(1))
        waiting = asyncio.create_task(second.sessions.append_timeline(entry(2)))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # blocked behind the first transaction (row lock / SQLite write lock)
        await first.commit()
        await asyncio.wait_for(waiting, 10)
        await second.commit()

    async def append(n: int) -> None:
        async with seeded.uow() as uow:
            await uow.sessions.append_timeline(entry(n))
            await uow.commit()

    await asyncio.gather(*(append(n) for n in range(3, 9)))
    async with seeded.uow() as uow:
        stored = await uow.sessions.timeline(TEAM_A, SESSION)
    assert [e.seq for e in stored] == list(range(1, 9))
    assert {e.id for e in stored} == {f"e{n}" for n in range(1, 9)}


async def test_timeline_of_another_teams_session_is_refused(seeded: Database) -> None:
    async with seeded.uow() as uow:
        with pytest.raises(LookupError):
            await uow.sessions.append_timeline(entry(1, team=TEAM_B))
        ok = entry(2)
        await uow.sessions.append_timeline(ok)  # the refusal did not spoil the transaction
        await uow.commit()
    assert ok.seq == 1


async def test_append_then_save_in_two_transactions_queue_up_and_the_second_is_stale(seeded: Database) -> None:
    """The engine's order (record, then save) from two writers at once: no deadlock, distinct numbers, and the
    optimistic check turns the later save away."""
    async with seeded.uow() as first, seeded.uow() as second:
        mine, theirs = await first.sessions.get(TEAM_A, SESSION), await second.sessions.get(TEAM_A, SESSION)
        assert mine is not None and theirs is not None
        await first.sessions.append_timeline(entry(1))
        waiting = asyncio.create_task(second.sessions.append_timeline(later := entry(2)))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        mine.bump(NOW + timedelta(minutes=1))
        await first.sessions.save(mine, expected_version=0)
        await first.commit()
        await asyncio.wait_for(waiting, 10)
        assert later.seq == 2
        theirs.bump(NOW + timedelta(minutes=2))
        with pytest.raises(StaleSessionError):
            await second.sessions.save(theirs, expected_version=0)


async def test_facts_are_soft_deleted_and_ordered(seeded: Database) -> None:
    kept = Fact("f2", TEAM_A, SESSION, "DNS resolves", FactSource.CHECK, NOW, "dns ok", source_ref="item-1")
    async with seeded.uow() as uow:
        await uow.sessions.add_fact(Fact("f1", TEAM_A, SESSION, "Gone", FactSource.QUESTION, NOW, deleted_at=NOW))
        await uow.sessions.add_fact(kept)
        await uow.sessions.add_fact(Fact("f3", TEAM_A, SESSION, "Later", FactSource.AI_PROMOTED, NOW + timedelta(1)))
        await uow.commit()
    async with seeded.uow() as uow:
        facts = await uow.sessions.facts(TEAM_A, SESSION)
    assert [f.id for f in facts] == ["f2", "f3"]
    assert facts[0] == kept


async def test_fixes_update_within_and_across_units_of_work(seeded: Database) -> None:
    fix = SuggestedFix("x1", TEAM_A, SESSION, "Flush DNS", NOW, "clears the cache", 80, "ipconfig /flushdns", "cmd")
    async with seeded.uow() as uow:
        await uow.sessions.add_fix(fix)
        assert await uow.sessions.fixes(TEAM_A, SESSION) == [fix]
        fix.user_decision, fix.status = FixDecision.ONE_OFF, FixStatus.APPLIED_SUCCESS
        fix.superseded_at = fix.applied_at = NOW.astimezone(UTC)
        fix.template_params = {"host": "dc1"}
        await uow.sessions.update_fix(fix)
        assert await uow.sessions.fixes(TEAM_A, SESSION) == [fix]  # no stale row from the identity map
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.sessions.fixes(TEAM_A, SESSION) == [fix]
        with pytest.raises(LookupError):
            other = SuggestedFix("x1", TEAM_B, SESSION, "Hijack", NOW)
            await uow.sessions.update_fix(other)


async def test_a_child_row_cannot_point_at_another_teams_session(seeded: Database) -> None:
    async with seeded.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.sessions.add_fact(Fact("f9", TEAM_B, SESSION, "Sneaky", FactSource.ENGINEER_NOTE, NOW))

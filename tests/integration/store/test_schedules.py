"""``schedules`` and ``schedule_runs`` on SQLite and PostgreSQL: schedules written with the caller's transaction or
their own, optimistic updates, and a fire recorded once per (schedule, fire time) with exactly one inbox event, even
when two replicas try at the same moment."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from bot.engine import codec
from bot.engine.events import ConversationRef, ScheduleFired
from bot.engine.scheduled import Schedule, ScheduleKind, ScheduleSpec, fired_event
from bot.engine.system import UuidIds
from bot.jobs.scheduler_book import Schedules
from bot.jobs.scheduler_plan import dedupe_key, next_fire
from bot.store.database import Database
from bot.store.schedules import SqlSchedules
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B

WHERE = ConversationRef("slack", "C1", "", {"team": "T1"})
SPEC = ScheduleSpec(TEAM_A, ScheduleKind.ANNOUNCE, "standup", cron="*/5 * * * *", payload={"text": "hi"})


def book(db: Database) -> Schedules:
    return Schedules(SqlSchedules(db.engine), lambda: NOW, UuidIds())


async def fire(store: SqlSchedules, s: Schedule, minutes: int) -> bool:
    at = NOW + timedelta(minutes=minutes)
    key = dedupe_key(s.id, at)
    event = fired_event(s, at, key)
    record = await store.record_fire(
        s,
        at,
        next_fire(s, after=at),
        fired_at=at,
        fired_by="test",
        inbox_kind=event.conversation.platform,
        dedupe_key=key,
        payload=codec.encode(event),
    )
    return record is not None


async def inbox(db: Database) -> list[ScheduleFired]:
    async with db.uow() as uow:
        items = await uow.inbox.pending()
    events = [codec.decode(i.payload) for i in items]
    assert all(isinstance(e, ScheduleFired) for e in events)
    return events  # type: ignore[return-value]


async def test_a_schedule_round_trips_and_is_unique_per_team_and_key(seeded: Database) -> None:
    schedules = book(seeded)
    s = await schedules.put(replace(SPEC, conversation=WHERE))
    assert await schedules.get(TEAM_A, s.id) == s
    assert await schedules.by_key(TEAM_A, "standup") == s
    assert await schedules.get(TEAM_B, s.id) is None  # another team's id
    other = await schedules.put(replace(SPEC, team_id=TEAM_B))  # the same key in another team: another schedule
    assert other.id != s.id
    assert [x.id for x in await schedules.list(TEAM_A)] == [s.id]
    assert s.conversation == WHERE.to_dict() and s.payload == {"text": "hi"}
    assert s.next_fire_at == NOW + timedelta(minutes=5) and s.next_fire_at.tzinfo is not None
    store = SqlSchedules(seeded.engine)
    assert not await store.insert(replace(s, id="another-id"))  # same team and key
    assert not await store.update(replace(s, revision=9), expected_revision=7)
    assert {x.id for x in await store.load_active()} == {s.id, other.id}
    await schedules.pause(TEAM_A, s.id)
    assert {x.id for x in await store.load_active()} == {other.id}
    assert await schedules.remove(TEAM_A, s.id) and await schedules.get(TEAM_A, s.id) is None


async def test_a_schedule_commits_with_the_unit_of_work_or_not_at_all(seeded: Database) -> None:
    schedules = book(seeded)
    async with seeded.uow() as uow:
        await schedules.put(SPEC, uow)
        await uow.rollback()
    assert await schedules.list(TEAM_A) == []
    async with seeded.uow() as uow:
        s = await schedules.put(SPEC, uow)
        await uow.commit()
    assert await schedules.list(TEAM_A) == [s]


async def test_the_same_fire_twice_is_one_run_and_one_inbox_event(seeded: Database) -> None:
    store = SqlSchedules(seeded.engine)
    s = await book(seeded).put(replace(SPEC, conversation=WHERE))
    assert await fire(store, s, 5)
    assert not await fire(store, s, 5)  # a takeover, a replay, a double fire
    assert not await fire(store, s, 0)  # older than the last fire (a zombie leader's late attempt)
    assert await fire(store, s, 10)
    runs = await store.runs(s.id)
    assert [r.fire_time for r in runs] == [NOW + timedelta(minutes=5), NOW + timedelta(minutes=10)]
    events = await inbox(seeded)
    assert [e.fire_time for e in events] == [r.fire_time for r in runs]
    assert all(r.inbox_id for r in runs)
    stored = await store.get(TEAM_A, s.id)
    assert stored is not None and stored.last_fire_at == NOW + timedelta(minutes=10)
    assert stored.next_fire_at == NOW + timedelta(minutes=15)


async def test_a_fire_planned_from_an_old_revision_or_a_paused_schedule_is_refused(seeded: Database) -> None:
    store, schedules = SqlSchedules(seeded.engine), book(seeded)
    s = await schedules.put(SPEC)
    changed = await schedules.put(replace(SPEC, payload={"text": "new text"}))
    assert not await fire(store, s, 5)  # planned from revision 1
    paused = await schedules.pause(TEAM_A, changed.id)
    assert paused is not None and not await fire(store, paused, 5)
    assert await store.runs(s.id) == [] and await inbox(seeded) == []


async def test_two_replicas_firing_at_the_same_moment_record_it_once(migrated_url: str, seeded: Database) -> None:
    s = await book(seeded).put(SPEC)
    other = Database(migrated_url)  # a second replica: its own pool
    try:
        stores = [SqlSchedules(seeded.engine), SqlSchedules(other.engine)]
        for minutes in (5, 10, 15):
            results = await asyncio.gather(*(fire(store, s, minutes) for store in stores))
            assert sorted(results) == [False, True]
    finally:
        await other.dispose()
    assert len(await SqlSchedules(seeded.engine).runs(s.id)) == 3
    assert len(await inbox(seeded)) == 3


async def test_removing_a_schedule_removes_its_runs(seeded: Database) -> None:
    store = SqlSchedules(seeded.engine)
    s = await book(seeded).put(SPEC)
    assert await fire(store, s, 5)
    assert await store.delete(TEAM_A, s.id)
    assert await store.runs(s.id) == [] and not await store.delete(TEAM_A, s.id)

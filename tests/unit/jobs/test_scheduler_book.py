"""The schedule book: idempotent ``put`` by key, a new trigger starts afresh, pause and resume, readable refusals, and
the change hook that makes the local leader reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.engine.events import ConversationRef
from bot.engine.scheduled import ScheduleKind, ScheduleSpec
from bot.jobs.scheduler_book import Schedules
from tests.fakes.memory_schedules import MemorySchedules
from tests.fakes.memory_store import FakeClock, SequentialIds

START = datetime(2026, 11, 25, 12, 0, 30, tzinfo=UTC)
SPEC = ScheduleSpec("t1", ScheduleKind.MAINTENANCE_RUN, "maintenance:patching", cron="0 2 * * 6", timezone="UTC")


def book() -> tuple[Schedules, MemorySchedules, FakeClock, list[int]]:
    store, clock, changes = MemorySchedules(), FakeClock(START), [0]

    def changed() -> None:
        changes[0] += 1

    return Schedules(store, clock.now, SequentialIds(), on_change=changed), store, clock, changes


async def test_put_creates_once_and_writes_nothing_when_nothing_changed() -> None:
    schedules, store, clock, changes = book()
    first = await schedules.put(SPEC)
    assert (first.revision, first.active_from, first.paused) == (1, START, False)
    assert first.next_fire_at == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    clock.advance(minutes=5)
    again = await schedules.put(SPEC)
    assert again == first and changes == [1] and len(store.rows) == 1
    assert await schedules.by_key("t1", SPEC.key) == first
    assert [s.id for s in await schedules.list("t1")] == [first.id]
    assert await schedules.list("t1", ScheduleKind.ANNOUNCE) == []


async def test_a_new_trigger_is_a_new_revision_that_starts_from_now() -> None:
    schedules, _, clock, _ = book()
    first = await schedules.put(SPEC)
    clock.advance(days=1)
    moved = await schedules.put(ScheduleSpec(SPEC.team_id, SPEC.kind, SPEC.key, cron="30  1 * * 6"))
    assert (moved.id, moved.revision, moved.cron, moved.active_from) == (first.id, 2, "30 1 * * 6", clock.now())
    where = ConversationRef("teams", "19:abc", "")
    talked = await schedules.put(ScheduleSpec(SPEC.team_id, SPEC.kind, SPEC.key, cron="30 1 * * 6", conversation=where))
    assert talked.revision == 3 and talked.active_from == moved.active_from  # same trigger: same start
    assert talked.conversation == where.to_dict()


async def test_pause_and_resume_are_revisions_and_resume_starts_afresh() -> None:
    schedules, _, clock, changes = book()
    s = await schedules.put(SPEC)
    paused = await schedules.pause("t1", s.id)
    assert paused is not None and paused.paused and paused.revision == 2
    assert await schedules.pause("t1", s.id) == paused  # already paused: nothing written
    clock.advance(days=10)
    resumed = await schedules.resume("t1", s.id)
    assert resumed is not None and not resumed.paused and resumed.active_from == clock.now()
    assert resumed.next_fire_at is not None and resumed.next_fire_at > clock.now()
    assert await schedules.pause("t2", s.id) is None  # another team's id
    assert changes == [3]


async def test_remove() -> None:
    schedules, store, _, _ = book()
    s = await schedules.put(SPEC)
    assert await schedules.remove("t2", s.id) is False
    assert await schedules.remove("t1", s.id) is True
    assert store.rows == {} and await schedules.get("t1", s.id) is None


async def test_one_offs_are_stored_in_utc() -> None:
    schedules, _, _, _ = book()
    local = datetime(2026, 11, 25, 14, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    s = await schedules.put(ScheduleSpec("t1", ScheduleKind.ESCALATION_REMINDER, "escalation:s1", run_at=local))
    assert s.run_at == s.next_fire_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert s.run_at is not None and s.run_at.tzinfo is UTC and s.run_at - START < timedelta(hours=2)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ScheduleSpec("t1", "announce", "k", cron="every day"), "bad cron expression"),
        (ScheduleSpec("t1", "announce", "k", cron="0 9 * * *", timezone="Nowhere"), "unknown time zone"),
        (ScheduleSpec("t1", "announce", "", cron="0 9 * * *"), "needs a team, a kind and a key"),
        (ScheduleSpec("t1", "announce", "k" * 201, cron="0 9 * * *"), "at most 200"),
    ],
)
async def test_bad_specs_are_refused_with_a_readable_reason(spec: ScheduleSpec, message: str) -> None:
    schedules, store, _, _ = book()
    with pytest.raises(ValueError, match=message):
        await schedules.put(spec)
    assert store.rows == {}

"""The scheduler against real databases: a fire goes from the schedules table through the inbox and the engine to the
chat sender exactly once; on PostgreSQL the advisory lock makes one of two schedulers the leader and the other takes
over when the leader's connection is terminated; APScheduler's timers fire on time between polls."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from bot.engine.engine import Engine
from bot.engine.events import Actor, ConversationRef, InboundEvent
from bot.engine.replies import Post, Reply
from bot.engine.schedule_kinds import KINDS
from bot.engine.scheduled import ScheduledActions, ScheduledRouter, ScheduleKind, ScheduleSpec
from bot.engine.system import SystemClock, UuidIds
from bot.jobs.scheduler import Scheduler, SchedulerPolicy, SoleLeader
from bot.jobs.scheduler_book import Schedules
from bot.jobs.scheduler_timers import ApsTimers
from bot.jobs.worker import InboxWorker
from bot.store.advisory_lock import PgAdvisoryLock, libpq_url
from bot.store.database import Database
from bot.store.schedules import SqlSchedules
from tests.fakes.memory_store import FakeClock

START = datetime(2026, 11, 25, 8, 59, 30, tzinfo=UTC)
WHERE = ConversationRef("slack", "C1", "", {"team": "T1"})
POLICY = SchedulerPolicy(leader_poll=0.05, reload_seconds=0.0, grace_seconds=3600.0)


class RecordingSender:
    """The Slack sender's place: what would have been posted."""

    def __init__(self) -> None:
        self.sent: list[Reply] = []

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        self.sent.extend(replies)
        return []


async def team(database: Database, clock: FakeClock) -> str:
    return await Engine(database.uow, clock, UuidIds()).ensure_team("acme")


async def test_a_fire_reaches_the_chat_once(database: Database) -> None:
    clock = FakeClock(START)
    team_id = await team(database, clock)
    store = SqlSchedules(database.engine)
    book = Schedules(store, clock.now, UuidIds())
    spec = ScheduleSpec(team_id, ScheduleKind.ANNOUNCE, "standup", cron="0 9 * * 1-5", timezone="Europe/Berlin")
    await book.put(replace(spec, payload={"text": "Stand-up!"}, conversation=WHERE))
    sender = RecordingSender()
    engine = Engine(database.uow, clock, UuidIds())
    actions = ScheduledActions(database.uow, clock, UuidIds(), KINDS, schedules=book)
    worker = InboxWorker(database.uow, ScheduledRouter(engine, actions), {"slack": sender})
    scheduler = Scheduler(store, SoleLeader(), clock.now, worker.wake, policy=POLICY)
    assert await scheduler.step() == 0  # 08:59:30 UTC is 09:59:30 in Berlin: today's 09:00 was before it existed
    clock.current = datetime(2026, 11, 26, 8, 0, 2, tzinfo=UTC)  # Thursday 09:00:02 in Berlin
    assert await scheduler.step() == 1
    assert await scheduler.step() == 0
    await worker.drain_once()
    await worker.drain_once()
    assert [(type(r), r.conversation, r.view.fallback) for r in sender.sent] == [(Post, WHERE, "Stand-up!")]  # type: ignore[attr-defined]
    clock.current = datetime(2026, 11, 28, 8, 0, 2, tzinfo=UTC)  # Saturday: no stand-up
    assert await scheduler.step() == 0


async def schedulers(url: str, database: Database, clock: FakeClock) -> tuple[Scheduler, PgAdvisoryLock, Scheduler]:
    store = SqlSchedules(database.engine)
    lock_a = PgAdvisoryLock(url, key=0x7E57)
    a = Scheduler(store, lock_a, clock.now, policy=POLICY, name="a")
    b = Scheduler(store, PgAdvisoryLock(url, key=0x7E57), clock.now, policy=POLICY, name="b")
    return a, lock_a, b


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
async def test_the_other_scheduler_takes_over_when_the_leaders_backend_is_terminated(
    migrated_url: str, database: Database
) -> None:
    clock = FakeClock(START)
    team_id = await team(database, clock)
    schedule = await Schedules(SqlSchedules(database.engine), clock.now, UuidIds()).put(
        ScheduleSpec(team_id, ScheduleKind.ANNOUNCE, "tick", cron="* * * * *")
    )
    a, lock_a, b = await schedulers(migrated_url, database, clock)
    try:
        clock.current = START + timedelta(seconds=31)  # 09:00:01
        assert await a.step() == 1 and await b.step() == 0
        assert a.leading and not b.leading
        pid = await lock_a.backend_pid()
        with psycopg.connect(libpq_url(migrated_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            for _ in range(100):  # pg_terminate_backend only signals: wait until the session (and its lock) is gone
                row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
                if row is not None and row[0] == 0:
                    break
                await asyncio.sleep(0.05)
        clock.current += timedelta(minutes=2)  # 09:02:01: 09:01 and 09:02 due, coalesced to 09:02
        assert await b.step() == 1 and b.leading  # the lock went with the session
        assert await a.catch_up() == 0  # a has not noticed yet: its attempt finds 09:02 recorded
        assert await a.step() == 0 and not a.leading  # its poll finds the connection gone: it steps down
        assert await a.step() == 0 and not a.leading  # and now follows
        await b.stop()  # a graceful stop hands over at once
        clock.current += timedelta(minutes=1)
        assert await a.step() == 1 and a.leading
    finally:
        await a.stop()
        await b.stop()
    runs = await SqlSchedules(database.engine).runs(schedule.id)
    assert [(r.fire_time.minute, r.fired_by) for r in runs] == [(0, "a"), (2, "b"), (3, "a")]


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)  # timing, not SQL: one database kind is enough
async def test_apscheduler_fires_on_time_between_polls(database: Database) -> None:
    clock = SystemClock()
    team_id = await team(database, FakeClock(START))
    store = SqlSchedules(database.engine)
    schedule = await Schedules(store, clock.now, UuidIds()).put(
        ScheduleSpec(team_id, ScheduleKind.ANNOUNCE, "every-second", cron="* * * * * *")
    )
    slow = SchedulerPolicy(leader_poll=60.0, reload_seconds=60.0)  # only the timers can fire after the first poll
    woken: list[datetime] = []
    scheduler = Scheduler(
        store, SoleLeader(), clock.now, lambda: woken.append(clock.now()), policy=slow, timers=ApsTimers()
    )
    scheduler.start()
    try:
        await asyncio.sleep(2.6)
    finally:
        await scheduler.stop()
    runs = await store.runs(schedule.id)
    times = [r.fire_time for r in runs]
    assert len(times) >= 2 and all(b - a == timedelta(seconds=1) for a, b in itertools.pairwise(times))
    late = [w - r.fire_time for w, r in zip(woken, runs, strict=True)]
    assert max(late) < timedelta(seconds=0.5), late  # punctual, though the next poll was a minute away

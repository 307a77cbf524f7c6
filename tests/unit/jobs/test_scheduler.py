"""The scheduler's rules over in-memory fakes and a fake clock: only the leader fires, each (schedule, fire time) once;
a follower takes over when the leader's lock goes and catches up the latest missed fire; a zombie leader's late
attempt changes nothing; changes made elsewhere are honoured; the database being away only delays a fire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.engine import codec
from bot.engine.events import ConversationRef, ScheduleFired
from bot.engine.scheduled import Schedule, ScheduleKind, ScheduleSpec
from bot.jobs.scheduler import OnDue, Scheduler, SchedulerPolicy
from bot.jobs.scheduler_book import Schedules
from tests.fakes.memory_schedules import MemorySchedules
from tests.fakes.memory_store import FakeClock, SequentialIds

START = datetime(2026, 11, 25, 12, 0, 30, tzinfo=UTC)
POLICY = SchedulerPolicy(leader_poll=0.01, reload_seconds=3600.0, grace_seconds=3600.0)


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 25, 12, minute, second, tzinfo=UTC)


@dataclass
class Lock:
    """What PostgreSQL knows: who holds the advisory lock."""

    holder: str | None = None


@dataclass
class FakeLeader:
    """``Leadership`` over a shared ``Lock``."""

    lock: Lock
    name: str

    async def acquire(self) -> bool:
        if self.lock.holder in (None, self.name):
            self.lock.holder = self.name
            return True
        return False

    async def held(self) -> bool:
        return self.lock.holder == self.name

    async def release(self) -> None:
        if self.lock.holder == self.name:
            self.lock.holder = None


@dataclass
class FakeTimers:
    """``Timers`` that record what they were asked."""

    on_due: OnDue | None = None
    synced: list[set[str]] = field(default_factory=list)
    stopped: int = 0

    def start(self, on_due: OnDue) -> None:
        self.on_due = on_due

    def sync(self, schedules: Sequence[Schedule], now: datetime) -> None:
        self.synced.append({s.id for s in schedules})

    def stop(self) -> None:
        self.on_due, self.stopped = None, self.stopped + 1


@dataclass
class World:
    store: MemorySchedules = field(default_factory=MemorySchedules)
    clock: FakeClock = field(default_factory=lambda: FakeClock(START))
    lock: Lock = field(default_factory=Lock)
    wakes: int = 0
    seconds: float = 0.0  # the schedulers' monotonic clock (reload intervals)

    def book(self) -> Schedules:
        return Schedules(self.store, self.clock.now, SequentialIds())

    def scheduler(self, name: str, timers: FakeTimers | None = None) -> Scheduler:
        def wake() -> None:
            self.wakes += 1

        leader = FakeLeader(self.lock, name)
        return Scheduler(
            self.store, leader, self.clock.now, wake, policy=POLICY, timers=timers, name=name, monotonic=self.mono
        )

    def mono(self) -> float:
        return self.seconds


async def every_minute(world: World, **spec: object) -> Schedule:
    fields: dict[str, object] = {"team_id": "t1", "kind": ScheduleKind.ANNOUNCE, "key": "k", "cron": "* * * * *"}
    return await world.book().put(ScheduleSpec(**{**fields, **spec}))  # type: ignore[arg-type]


async def test_the_leader_fires_each_due_fire_once_and_wakes_the_worker() -> None:
    world = World()
    where = ConversationRef("slack", "C1", "", {"team": "T1"})
    schedule = await every_minute(world, payload={"text": "stand-up", "session_id": "s9"}, conversation=where)
    leader = world.scheduler("a")
    assert await leader.step() == 0 and leader.leading  # nothing due yet
    world.clock.current = at(1, 5)
    assert await leader.step() == 1
    assert await leader.step() == 0  # the same fire again: nothing
    assert await leader.catch_up() == 0
    assert world.store.fire_times(schedule.id) == [at(1)] and world.wakes == 1
    queued = world.store.inbox[0]
    assert (queued.kind, queued.dedupe_key) == ("slack", f"schedule:{schedule.id}:2026-11-25T12:01:00+00:00")
    event = codec.decode(queued.payload)
    assert isinstance(event, ScheduleFired)
    assert (event.schedule_id, event.kind, event.fire_time, event.session_id) == (schedule.id, "announce", at(1), "s9")
    assert event.payload == {"text": "stand-up", "session_id": "s9"} and event.conversation == where
    assert world.store.rows[schedule.id].next_fire_at == at(2)


async def test_a_follower_takes_over_when_the_leader_dies_and_nothing_runs_twice_or_is_lost() -> None:
    world = World()
    schedule = await every_minute(world)
    a, b = world.scheduler("a"), world.scheduler("b")
    world.clock.current = at(1, 0)
    assert await a.step() == 1 and await b.step() == 0
    assert a.leading and not b.leading
    world.clock.current = at(2, 0)
    assert await b.step() == 0  # still a follower: a leads
    world.lock.holder = None  # a's connection died: PostgreSQL released the lock; a has not noticed yet
    world.clock.current = at(4, 10)
    assert await b.step() == 1 and b.leading  # takes over, catches up 12:02 .. 12:04 as one fire: 12:04
    assert await a.catch_up() == 0  # the zombie's late attempt at 12:04 changes nothing
    assert await a.step() == 0 and not a.leading  # and at its next poll it steps down
    world.clock.current = at(5, 0)
    assert await b.step() == 1
    assert world.store.fire_times(schedule.id) == [at(1), at(4), at(5)]
    assert [f.fired_by for f in world.store.fires] == ["a", "b", "b"]
    assert len(world.store.inbox) == 3


async def test_a_leader_that_stops_hands_over_at_once() -> None:
    world = World()
    await every_minute(world)
    a, b = world.scheduler("a"), world.scheduler("b")
    await a.step()
    await a.stop()
    assert world.lock.holder is None
    await b.step()
    assert b.leading


async def test_the_database_being_away_only_delays_a_fire() -> None:
    world = World()
    schedule = await every_minute(world)
    leader = world.scheduler("a")
    world.clock.current = at(1, 1)
    world.store.failing = True
    assert await leader.step() == 0
    world.store.failing = False
    world.clock.current = at(1, 3)
    assert await leader.step() == 1
    assert world.store.fire_times(schedule.id) == [at(1)]


async def test_changes_made_elsewhere_are_honoured_before_firing() -> None:
    world = World()
    schedule = await every_minute(world)
    leader = world.scheduler("a")
    await leader.step()
    other_replica = world.book()
    paused = await other_replica.pause("t1", schedule.id)
    assert paused is not None and paused.paused
    world.clock.current = at(1, 2)
    assert await leader.step() == 0  # its copy is stale: the store refuses the fire, and it reloads
    assert await leader.step() == 0 and leader.schedules == []
    world.clock.current = at(3, 30)
    await other_replica.resume("t1", schedule.id)  # from 12:03:30 on: 12:02 and 12:03 fell due while paused
    assert await leader.step() == 0 and leader.schedules == []  # not reloaded yet
    world.seconds += POLICY.reload_seconds
    assert await leader.step() == 0 and len(leader.schedules) == 1
    world.clock.current = at(4, 1)
    assert await leader.step() == 1
    assert world.store.fire_times(schedule.id) == [at(4)]


async def test_timers_run_only_on_the_leader_and_fire_only_what_is_due() -> None:
    world = World()
    schedule = await every_minute(world)
    timers = FakeTimers()
    leader = world.scheduler("a", timers)
    await leader.step()
    assert timers.on_due is not None and timers.synced == [{schedule.id}]
    assert await leader.fire_due(schedule.id) is False  # early: nothing due
    world.clock.current = at(1, 0)
    assert await timers.on_due(schedule.id) is True
    assert await leader.fire_due(schedule.id) is False  # the poll or a second timer: already recorded
    assert await leader.fire_due("unknown") is False
    world.lock.holder = "b"  # lost the lock
    await leader.step()
    assert timers.stopped == 1 and not leader.leading
    world.clock.current = at(2, 0)
    assert await leader.fire_due(schedule.id) is False


async def test_a_spent_one_off_leaves_the_leader() -> None:
    world = World()
    schedule = await world.book().put(ScheduleSpec("t1", ScheduleKind.ANNOUNCE, "once", run_at=at(2)))
    leader = world.scheduler("a")
    await leader.step()
    assert [s.id for s in leader.schedules] == [schedule.id]
    world.clock.current = at(2, 0)
    assert await leader.step() == 1
    assert leader.schedules == [] and world.store.rows[schedule.id].next_fire_at is None
    world.clock.current = at(3, 0)
    assert await leader.step() == 0

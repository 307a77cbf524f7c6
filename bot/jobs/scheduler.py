"""The scheduler: one leader among the replicas turns stored schedules into inbox events, once per fire.

* **Source of truth**: the ``schedules`` table (``bot.store.schedules``), not APScheduler's job store (see
  ``bot.store.schedule_tables`` for why). The leader loads every schedule that can still fire and reloads every
  ``reload_seconds``, and at its next poll after a change made through this process's ``ScheduleBook``.
* **Leadership** (``Leadership``): on PostgreSQL an advisory lock on a dedicated connection
  (``bot.store.advisory_lock``); on SQLite the single process (``SoleLeader``). Every ``leader_poll`` seconds a
  follower tries to take the lock, and the leader checks it still holds it (its connection answers) and steps down
  when it does not. A leader that stops gracefully releases the lock, so a follower takes over at its next poll.
* **Firing** (``_fire``): one transaction records the run (unique per (schedule, fire time)), moves the schedule's
  ``last_fire_at`` and appends the ``ScheduleFired`` inbox event; the local inbox worker is woken. A second attempt
  at the same fire (a takeover while the old leader has not noticed yet, a misfire replay, a timer and a poll at
  the same moment) changes nothing. Fires in one process are serialized.
* **What is due** is decided by ``bot.jobs.scheduler_plan`` from (schedules, now) alone, with the injected clock.
  Each poll catches up (the latest missed fire of each schedule within ``grace_seconds``), which is also how a new
  leader makes up for the time no leader was alive. APScheduler (``Timers``: ``bot.jobs.scheduler_timers``) only
  makes fires punctual between polls; without it the scheduler still fires, at most a poll late.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.engine import codec
from bot.engine.scheduled import FireRecord, Schedule, fired_event
from bot.jobs.loop import WakeableLoop
from bot.jobs.scheduler_plan import Due, dedupe_key, due_fire, next_fire, plan

log = logging.getLogger(__name__)


class ScheduleStore(Protocol):
    """What the leader reads and writes (``bot.store.schedules.SqlSchedules``)."""

    async def load_active(self) -> Sequence[Schedule]:
        """Every team's schedules that can still fire."""
        ...

    async def record_fire(
        self,
        schedule: Schedule,
        fire_time: datetime,
        next_fire_at: datetime | None,
        *,
        fired_at: datetime,
        fired_by: str,
        inbox_kind: str,
        dedupe_key: str,
        payload: dict[str, Any],
    ) -> FireRecord | None:
        """Record the fire and queue its event atomically; None when it was recorded before (or the schedule
        changed)."""
        ...


class Leadership(Protocol):
    """Who schedules (``bot.store.advisory_lock.PgAdvisoryLock``, or ``SoleLeader``)."""

    async def acquire(self) -> bool:
        """Become the leader if nobody is (never waits)."""
        ...

    async def held(self) -> bool:
        """Still the leader."""
        ...

    async def release(self) -> None:
        """Stop being the leader."""
        ...


class SoleLeader:
    """Leadership of a single process (SQLite): always the leader."""

    async def acquire(self) -> bool:
        """Always."""
        return True

    async def held(self) -> bool:
        """Always."""
        return True

    async def release(self) -> None:
        """Nothing to give up."""


OnDue = Callable[[str], Awaitable[object]]


class Timers(Protocol):
    """Punctual wake-ups per schedule (``bot.jobs.scheduler_timers.ApsTimers``)."""

    def start(self, on_due: OnDue) -> None:
        """Start calling ``on_due(schedule_id)`` at each schedule's fire times."""
        ...

    def sync(self, schedules: Sequence[Schedule], now: datetime) -> None:
        """Make the timers match these schedules."""
        ...

    def stop(self) -> None:
        """Drop every timer."""
        ...


@dataclass(frozen=True, slots=True)
class SchedulerPolicy:
    """Timings: leadership poll, schedule reload interval, and how old a missed fire may be and still run."""

    leader_poll: float = 2.0
    reload_seconds: float = 10.0
    grace_seconds: float = 3600.0


def process_name() -> str:
    """``host:pid``: who recorded a fire."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    """Runs in the background of ``rfbot serve`` (see the module docstring)."""

    def __init__(
        self,
        store: ScheduleStore,
        leadership: Leadership,
        clock: Callable[[], datetime],
        wake: Callable[[], None] = lambda: None,
        *,
        policy: SchedulerPolicy | None = None,
        timers: Timers | None = None,
        name: str = "",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self._leadership, self._clock, self._wake = store, leadership, clock, wake
        self.policy = policy or SchedulerPolicy()
        self._timers, self.name, self._monotonic = timers, name or process_name(), monotonic
        self._grace = timedelta(seconds=self.policy.grace_seconds)
        self._schedules: dict[str, Schedule] = {}
        self._reload_at = 0.0
        self._firing = asyncio.Lock()
        self._loop = WakeableLoop("scheduler", self.step, self.policy.leader_poll)
        self.leading = False
        self.fired = 0  # fires this process recorded

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop; a leader gives up the lock so that another replica takes over at its next poll."""
        await self._loop.stop()
        if self.leading:
            await self._step_down()
        else:
            await self._leadership.release()  # a follower's lock connection

    def reload_soon(self) -> None:
        """A schedule changed: read them again at the next poll (``ScheduleBook``'s change hook)."""
        self._reload_at = 0.0
        self._loop.wake()

    @property
    def schedules(self) -> list[Schedule]:
        """The schedules the leader holds (empty on a follower)."""
        return list(self._schedules.values())

    async def step(self) -> int:
        """One poll: take or check leadership; as the leader, reload when due and record what is due. Returns how
        many fires were recorded."""
        if not self.leading:
            if not await self._leadership.acquire():
                return 0
            self.leading, self._reload_at = True, 0.0
            log.info("scheduler %s is the leader", self.name)
            if self._timers is not None:
                self._timers.start(self.fire_due)
        elif not await self._leadership.held():
            log.warning("scheduler %s lost leadership", self.name)
            await self._step_down()
            return 0
        if self._monotonic() >= self._reload_at:
            await self.reload()
        return await self.catch_up()

    async def _step_down(self) -> None:
        self.leading = False
        if self._timers is not None:
            self._timers.stop()
        self._schedules.clear()
        await self._leadership.release()

    async def reload(self) -> None:
        """Read the schedules again (keeping fires this process recorded meanwhile) and re-sync the timers."""
        self._reload_at = self._monotonic() + self.policy.reload_seconds
        loaded = await self._store.load_active()
        async with self._firing:
            fresh: dict[str, Schedule] = {}
            for schedule in loaded:
                known = self._schedules.get(schedule.id)
                if known is not None and known.revision == schedule.revision and _later(known, schedule):
                    schedule = known
                fresh[schedule.id] = schedule
            self._schedules = fresh
        if self._timers is not None:
            self._timers.sync(self.schedules, self._clock())

    async def catch_up(self) -> int:
        """Record every fire due now (the latest missed one per schedule, within the grace); returns how many."""
        if not self.leading:
            return 0
        async with self._firing:
            count = 0
            for due in plan(self._schedules.values(), self._clock(), self._grace):
                count += await self._fire(due)
            return count

    async def fire_due(self, schedule_id: str) -> bool:
        """A timer went off for a schedule: record its fire if it is due (the timers' callback)."""
        async with self._firing:
            schedule = self._schedules.get(schedule_id)
            if not self.leading or schedule is None:
                return False
            fire = due_fire(schedule, self._clock(), self._grace)
            if fire is None:
                return False
            return await self._fire(Due(schedule, fire, next_fire(schedule, after=fire)))

    async def _fire(self, due: Due) -> bool:
        schedule, fire_time = due.schedule, due.fire_time
        key = dedupe_key(schedule.id, fire_time)
        event = fired_event(schedule, fire_time, key)
        try:
            record = await self._store.record_fire(
                schedule,
                fire_time,
                due.next_fire_at,
                fired_at=self._clock(),
                fired_by=self.name,
                inbox_kind=event.conversation.platform,
                dedupe_key=key,
                payload=codec.encode(event),
            )
        except Exception:  # the database is away: the next poll tries again (the fire is still due)
            log.exception("recording fire %s of schedule %s failed", fire_time.isoformat(), schedule.id)
            return False
        if record is None:  # fired elsewhere, or changed meanwhile: learn which at the next poll
            log.info("fire %s of schedule %s was already recorded or is stale", fire_time.isoformat(), schedule.id)
            self._reload_at = 0.0
            return False
        updated = replace(schedule, last_fire_at=fire_time, next_fire_at=due.next_fire_at)
        if updated.next_fire_at is None:
            self._schedules.pop(schedule.id, None)
        else:
            self._schedules[schedule.id] = updated
        self.fired += 1
        self._wake()
        return True


def _later(known: Schedule, loaded: Schedule) -> bool:
    """The in-memory copy has a fire the loaded row does not show yet (it was read before the fire committed)."""
    return known.last_fire_at is not None and (loaded.last_fire_at is None or known.last_fire_at > loaded.last_fire_at)

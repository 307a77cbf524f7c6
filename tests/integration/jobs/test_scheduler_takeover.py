"""Two scheduler processes on one PostgreSQL database: ``kill -9`` the leader, the other takes over within a poll or
two, and every fire is recorded exactly once (each one-off once, on time or caught up late; the per-second cron
without a duplicate, the seconds no leader was alive coalesced into one fire)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.engine.scheduled import Schedule, ScheduleKind, ScheduleSpec
from bot.engine.system import SystemClock, UuidIds
from bot.jobs.scheduler_book import Schedules
from bot.store.database import Database
from bot.store.schedules import SqlSchedules
from tests.conftest import truncate_all

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[3]
POLL = 0.5  # RFBOT_SCHEDULER_LEADER_POLL of both processes
SECOND = timedelta(seconds=1)


@dataclass
class Runner:
    """A ``scheduler_runner`` process and the role changes it printed."""

    name: str
    process: asyncio.subprocess.Process
    said: list[tuple[str, float]] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            word, _, stamp = line.decode().strip().partition(" ")
            self.said.append((word, float(stamp or 0)))

    def when(self, word: str) -> float | None:
        return next((t for w, t in self.said if w == word), None)

    async def wait_for(self, word: str, within: float) -> float:
        deadline = time.monotonic() + within
        while (at := self.when(word)) is None:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise AssertionError(f"{self.name} never said {word}: {self.said}")
            await asyncio.sleep(0.01)
        return at

    def kill(self) -> float:
        self.process.kill()  # SIGKILL: no clean-up, the sockets just close
        return time.time()


@contextlib.asynccontextmanager
async def runners(url: str, log: Path, *names: str) -> AsyncIterator[list[Runner]]:
    started = []
    with log.open("wb") as stderr:
        try:
            for name in names:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.integration.jobs.scheduler_runner",
                    url,
                    name,
                    str(POLL),
                    cwd=ROOT,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=stderr,
                )
                runner = Runner(name, process)
                runner.reader = asyncio.create_task(runner.read())
                started.append(runner)
            yield started
        finally:
            for runner in started:
                if runner.process.returncode is None:
                    runner.process.kill()
                await runner.process.wait()
                if runner.reader is not None:
                    await runner.reader


def at(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


async def test_kill_the_leader_and_the_other_takes_over_with_no_fire_twice_or_missed(
    pg_migrated: str, tmp_path: Path
) -> None:
    truncate_all(pg_migrated)
    database = Database(pg_migrated)
    try:
        team_id = await Engine(database.uow, SystemClock(), UuidIds()).ensure_team("acme")
        store = SqlSchedules(database.engine)
        book = Schedules(store, SystemClock().now, UuidIds())
        async with runners(pg_migrated, tmp_path / "stderr.log", "a", "b") as (a, b):
            await asyncio.gather(a.wait_for("READY", 20), b.wait_for("READY", 20))
            await asyncio.wait_for(_first_leader(a, b), 10)
            leader, follower = (a, b) if a.when("LEADER") else (b, a)

            t0 = time.time()
            tick = await book.put(ScheduleSpec(team_id, ScheduleKind.ANNOUNCE, "tick", cron="* * * * * *"))
            one_offs: list[Schedule] = []
            for i in range(12):  # every half second from t0 + 1 s to t0 + 6.5 s
                spec = ScheduleSpec(team_id, ScheduleKind.ANNOUNCE, f"once-{i}", run_at=at(t0 + 1.0 + 0.5 * i))
                one_offs.append(await book.put(spec))

            await asyncio.sleep(t0 + 2.7 - time.time())
            killed = leader.kill()
            took_over = await follower.wait_for("LEADER", 10)
            await asyncio.sleep(max(0.0, t0 + 8.2 - time.time()))

        takeover = took_over - killed
        print(f"\ntakeover after kill -9: {takeover:.2f} s (leader poll {POLL} s)")
        assert takeover < POLL + 1.5

        for schedule in one_offs:  # each one-off exactly once, whoever was leader at its time
            runs = await store.runs(schedule.id)
            assert [r.fire_time for r in runs] == [schedule.run_at], (schedule.key, runs)
        late = [s.key for s in one_offs if (await store.runs(s.id))[0].fired_by.endswith(follower.name)]
        assert late, "the follower fired nothing"

        runs = await store.runs(tick.id)
        times = [r.fire_time for r in runs]
        assert len(times) == len(set(times)) and times == sorted(times)
        by_leader = [r.fire_time for r in runs if r.fired_by == leader.name]
        by_follower = [r.fire_time for r in runs if r.fired_by == follower.name]
        assert by_leader and by_follower and max(by_leader) < min(by_follower)
        assert max(by_leader) <= at(killed)
        for part in (by_leader, by_follower):  # every second while a leader was alive
            assert all(y - x == SECOND for x, y in itertools.pairwise(part)), part
        gap = min(by_follower) - max(by_leader)  # the seconds with no leader: coalesced into the takeover's fire
        assert gap <= timedelta(seconds=takeover) + 2 * SECOND
        first = min((r for r in runs if r.fired_by == follower.name), key=lambda r: r.fire_time)
        # the takeover's first fire is the latest second missed when it was recorded (not a replay of older ones),
        # recorded at once (bounds from the follower's own clock, so a loaded machine does not fail it)
        assert at(took_over) - SECOND < first.fire_time <= first.fired_at < first.fire_time + 2 * SECOND, first
        assert first.fired_at < at(took_over + POLL + 1.5)
        assert max(by_follower) >= at(t0 + 7.0)

        async with database.uow() as uow:  # one inbox event per recorded fire
            events = await uow.inbox.pending(limit=1000)
        all_runs = len(runs) + len(one_offs)
        assert len(events) == all_runs and len({e.dedupe_key for e in events}) == all_runs
    finally:
        await database.dispose()


async def _first_leader(*runners: Runner) -> None:
    while not any(r.when("LEADER") for r in runners):  # noqa: ASYNC110 - polling what the readers collected
        await asyncio.sleep(0.01)

"""The index worker's rules over in-memory fakes of its ports: retries with backoff then giving up, unknown jobs,
`run_due`, the statistics policy (documents or time, whichever first) and the background loop woken at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.engine.knowledge import FLOWS_JOB, SESSION_JOB, IndexJob
from bot.engine.model import Session
from bot.flows.model import Flow
from bot.jobs.indexing import IndexWorker, StatisticsPolicy
from bot.jobs.outbox import RetryPolicy
from bot.pilot.retrieval import IndexReport
from tests.fakes.memory_store import FakeClock
from tests.integration.store.builders import session

POLICY = RetryPolicy(max_attempts=3, base_seconds=10.0, cap_seconds=10.0, lease_seconds=60.0, jitter=0.0)


@dataclass
class MemoryJobs:
    """``IndexJobQueue`` in memory: job -> (due at, status, last error)."""

    jobs: dict[int, IndexJob] = field(default_factory=dict)
    due: dict[int, datetime | None] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    def add(self, job: IndexJob) -> None:
        self.jobs[job.id], self.due[job.id] = job, None

    async def claim(self, now: datetime, lease_until: datetime, limit: int = 20) -> Sequence[IndexJob]:
        picked = []
        for ident, job in sorted(self.jobs.items()):
            at = self.due[ident]
            if ident not in self.failed and (at is None or at <= now) and len(picked) < limit:
                self.jobs[ident] = replace(job, attempts=job.attempts + 1)
                self.due[ident] = lease_until
                picked.append(self.jobs[ident])
        return picked

    async def done(self, job: IndexJob) -> bool:
        del self.jobs[job.id], self.due[job.id]
        return True

    async def retry_at(self, job: IndexJob, at: datetime, error: str, now: datetime) -> None:
        self.due[job.id], self.errors[job.id] = at, error

    async def give_up(self, job: IndexJob, error: str, now: datetime) -> None:
        self.failed[job.id] = error


@dataclass
class MemorySource:
    """``IndexSource``: resolved sessions by (team, id)."""

    sessions: dict[tuple[str, str], Session] = field(default_factory=dict)

    async def resolved_session(self, team_id: str, session_id: str) -> Session | None:
        return self.sessions.get((team_id, session_id))

    async def scope_flows(self, team_id: str | None) -> Sequence[Flow]:
        return []


@dataclass
class MemoryIndex:
    """``IndexTarget``: records what it indexed; ``failures`` scripted embedding failures."""

    indexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failures: int = 0
    refreshed: int = 0

    async def index_resolved(self, session: Session) -> IndexReport:
        self.indexed.append(session.id)
        if self.failures:
            self.failures -= 1
            return IndexReport(written=1, embed_failures=1, errors=["Voyage down"])
        return IndexReport(written=1, embedded=1)

    async def remove_session(self, team_id: str, session_id: str) -> IndexReport:
        self.removed.append(session_id)
        return IndexReport(removed=1)

    async def index_flows(self, team_id: str | None, flows: Sequence[Flow], *, prune: bool = False) -> IndexReport:
        return IndexReport()

    async def refresh_statistics(self) -> None:
        self.refreshed += 1


@dataclass
class Rig:
    jobs: MemoryJobs
    source: MemorySource
    index: MemoryIndex
    clock: FakeClock
    worker: IndexWorker
    elapsed: list[float]


def rig(statistics: StatisticsPolicy | None = None) -> Rig:
    jobs, source, index, clock, elapsed = MemoryJobs(), MemorySource(), MemoryIndex(), FakeClock(), [0.0]
    worker = IndexWorker(
        jobs, source, index, clock.now, policy=POLICY, statistics=statistics, monotonic=lambda: elapsed[0]
    )
    return Rig(jobs, source, index, clock, worker, elapsed)


def session_job(n: int, ref: str = "s-1") -> IndexJob:
    return IndexJob(n, "team-a", SESSION_JOB, ref, 1, 0)


async def test_a_job_is_retried_with_backoff_then_given_up() -> None:
    r = rig()
    r.source.sessions[("team-a", "s-1")] = session("s-1")
    r.index.failures = 5
    r.jobs.add(session_job(1))
    for _ in range(POLICY.max_attempts):
        assert await r.worker.drain_once() == 1
        assert await r.worker.drain_once() == 0  # backing off
        r.clock.advance(seconds=10)
    assert r.jobs.failed == {1: "EmbeddingPending: Voyage down"} and r.index.indexed == ["s-1"] * 3


async def test_a_session_no_longer_resolved_leaves_the_index_and_unknown_jobs_are_dropped() -> None:
    r = rig()
    r.jobs.add(session_job(1, "reopened"))
    r.jobs.add(IndexJob(2, "team-a", "tickets", "x", 1, 0))
    r.jobs.add(IndexJob(3, None, SESSION_JOB, "no-team", 1, 0))
    reports, left = await r.worker.run_due()
    assert r.index.removed == ["reopened"] and [x.removed for x in reports] == [1] and left == 2
    assert set(r.jobs.failed) == {2, 3} and 1 not in r.jobs.jobs


async def test_flow_jobs_run_for_their_scope() -> None:
    r = rig()
    r.jobs.add(IndexJob(1, None, FLOWS_JOB, "", 1, 0))
    assert await r.worker.run_due() == ([IndexReport()], 0)


async def test_statistics_after_enough_documents_or_enough_time() -> None:
    r = rig(StatisticsPolicy(every_documents=3, every_seconds=600))
    r.source.sessions.update({("team-a", f"s-{n}"): session(f"s-{n}") for n in range(5)})
    assert not await r.worker.refresh_statistics_if_due()  # nothing indexed yet
    r.elapsed[0] = 10_000.0
    assert not await r.worker.refresh_statistics_if_due()  # nor after a long quiet time
    for n in range(3):
        r.jobs.add(session_job(n + 1, f"s-{n}"))
    await r.worker.run_due()
    assert await r.worker.refresh_statistics_if_due() and r.index.refreshed == 1  # three documents
    r.jobs.add(session_job(9, "s-4"))
    await r.worker.run_due()
    r.elapsed[0] += 599
    assert not await r.worker.refresh_statistics_if_due()
    r.elapsed[0] += 1
    assert await r.worker.refresh_statistics_if_due() and r.index.refreshed == 2  # ten minutes after the change


async def test_the_background_loop_runs_when_woken() -> None:
    r = rig(StatisticsPolicy(every_documents=1))
    r.source.sessions[("team-a", "s-1")] = session("s-1")
    r.worker.start()
    try:
        await asyncio.sleep(0)
        r.jobs.add(session_job(1))
        r.worker.wake()
        for _ in range(100):
            if r.index.refreshed:
                break
            await asyncio.sleep(0.01)
        assert r.index.indexed == ["s-1"] and r.index.refreshed == 1 and not r.jobs.jobs
    finally:
        await r.worker.stop()

"""The index worker: keeps the retrieval index current from the ``index_jobs`` queue, off every request path.

A pass claims due jobs (a lease, as in the outbox worker: a worker that dies mid-job lets the job come back when its
lease ends) and runs each one outside any transaction:

* ``session``: the session is read as it is now; resolved, its redacted text is (re)indexed and embedded when it
  changed; otherwise (reopened, deleted) its document is removed.
* ``flows``: the scope's published flows are (re)indexed, and flows or steps no longer published are removed.

A job is deleted when done. If it fails, or its text was indexed but could not be embedded (Voyage down: the text is
searchable by keyword meanwhile), it is retried with exponential backoff and, after the last attempt, kept as failed
(``rfbot index rebuild`` catches everything up). Repeating a job is harmless: documents are replaced by scope, kind
and ref, and unchanged text is never embedded again.

After a pass, the lexical statistics (``refresh_statistics``: the per-word document counts the PostgreSQL query uses
to keep only a query's rarer words) are refreshed once ``StatisticsPolicy.every_documents`` documents were written
or removed since the last refresh, or ``every_seconds`` after the first such change, whichever comes first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.engine.knowledge import FLOWS_JOB, SESSION_JOB, IndexJob
from bot.engine.model import Session
from bot.flows.model import Flow
from bot.jobs.loop import WakeableLoop
from bot.jobs.outbox import RetryPolicy

log = logging.getLogger(__name__)
INDEX_RETRIES = RetryPolicy(max_attempts=10, base_seconds=10.0, cap_seconds=1800.0, lease_seconds=300.0)


class IndexJobQueue(Protocol):
    """The job queue (``bot.store.index_jobs.SqlIndexJobs``)."""

    async def claim(self, now: datetime, lease_until: datetime, limit: int = 20) -> Sequence[IndexJob]:
        """Claim due jobs until ``lease_until``."""
        ...

    async def done(self, job: IndexJob) -> bool:
        """Delete the job (False: it was requested again meanwhile and stays due)."""
        ...

    async def retry_at(self, job: IndexJob, at: datetime, error: str, now: datetime) -> None:
        """Try the job again at ``at``."""
        ...

    async def give_up(self, job: IndexJob, error: str, now: datetime) -> None:
        """Keep the job as failed."""
        ...


class IndexSource(Protocol):
    """Where a job's documents come from (``bot.store.search_index.SqlSearchIndex``)."""

    async def resolved_session(self, team_id: str, session_id: str) -> Session | None:
        """The team's session if it is resolved."""
        ...

    async def scope_flows(self, team_id: str | None) -> Sequence[Flow]:
        """The published flows of one scope (None: the public flows)."""
        ...


class IndexReport(Protocol):
    """What one indexing call did (``bot.pilot.retrieval.IndexReport``)."""

    @property
    def written(self) -> int: ...
    @property
    def embedded(self) -> int: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def removed(self) -> int: ...
    @property
    def embed_failures(self) -> int: ...
    @property
    def errors(self) -> list[str]: ...


class IndexTarget(Protocol):
    """The index (``bot.pilot.retrieval.HybridRetriever``)."""

    async def index_resolved(self, session: Session) -> IndexReport:
        """(Re)index a resolved session."""
        ...

    async def remove_session(self, team_id: str, session_id: str) -> IndexReport:
        """Take a session out of the index."""
        ...

    async def index_flows(self, team_id: str | None, flows: Sequence[Flow], *, prune: bool = False) -> IndexReport:
        """(Re)index the flows of one scope."""
        ...

    async def refresh_statistics(self) -> None:
        """Recount words for the lexical query."""
        ...


@dataclass(frozen=True, slots=True)
class StatisticsPolicy:
    """When to refresh the lexical statistics: after this many indexed documents, or this long after the first
    change since the last refresh, whichever comes first."""

    every_documents: int = 500
    every_seconds: float = 3600.0


class EmbeddingPending(Exception):
    """The text was indexed but not embedded; try again later."""


class UnknownJob(Exception):
    """A job this worker cannot run (retrying will not help)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IndexWorker:
    """Runs index jobs in the background of the server's event loop (see the module docstring)."""

    def __init__(
        self,
        jobs: IndexJobQueue,
        source: IndexSource,
        retriever: IndexTarget,
        clock: Callable[[], datetime] = _utcnow,
        *,
        policy: RetryPolicy = INDEX_RETRIES,
        statistics: StatisticsPolicy | None = None,
        poll_seconds: float = 5.0,
        batch: int = 20,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._jobs, self._source, self.retriever, self._clock = jobs, source, retriever, clock
        self.policy, self.statistics = policy, statistics or StatisticsPolicy()
        self._batch, self._monotonic = batch, monotonic
        self._changed = 0  # documents written or removed since the statistics were last refreshed
        self._first_change = 0.0
        self._loop = WakeableLoop("index-worker", self._pass, poll_seconds)

    def wake(self) -> None:
        """Something may be due."""
        self._loop.wake()

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop after the job in hand (an interrupted one comes back when its lease ends)."""
        await self._loop.stop()

    async def _pass(self) -> None:
        while await self.drain_once():
            pass
        await self.refresh_statistics_if_due()

    async def drain_once(self) -> int:
        """Claim and run what is due now; returns how many jobs were tried."""
        return len(await self._drain())

    async def run_due(self) -> tuple[list[IndexReport], int]:
        """Run every job due now, in the calling task (the CLI does, where no server may be running): the reports
        of the jobs done, and how many jobs were left for a later retry."""
        done: list[IndexReport] = []
        left = 0
        while results := await self._drain():
            done.extend(r for r in results if r is not None)
            left += sum(1 for r in results if r is None)
        return done, left

    async def _drain(self) -> list[IndexReport | None]:
        now = self._clock()
        jobs = await self._jobs.claim(now, now + timedelta(seconds=self.policy.lease_seconds), self._batch)
        return [await self._attempt(job) for job in jobs]

    async def _attempt(self, job: IndexJob) -> IndexReport | None:
        try:
            report = await self.run(job)
        except UnknownJob as err:
            log.warning("index job %s dropped: %s", job.id, err)
            await self._jobs.give_up(job, str(err), self._clock())
        except Exception as err:  # anything (the database, the embeddings service, a bug): retry later
            if not isinstance(err, EmbeddingPending):
                log.warning("index job %s (%s %s) failed", job.id, job.kind, job.ref, exc_info=True)
            error = f"{type(err).__name__}: {err}"[:500]
            now = self._clock()
            if job.attempts >= self.policy.max_attempts:
                log.warning("index job %s (%s %s) given up: %s", job.id, job.kind, job.ref, error)
                await self._jobs.give_up(job, error, now)
            else:
                await self._jobs.retry_at(job, now + timedelta(seconds=self.policy.delay(job.attempts)), error, now)
        else:
            await self._jobs.done(job)
            self._count(report)
            return report
        return None

    async def run(self, job: IndexJob) -> IndexReport:
        """Index what the job names; raises ``EmbeddingPending`` when the text was indexed but not embedded."""
        if job.kind == SESSION_JOB and job.team_id:
            session = await self._source.resolved_session(job.team_id, job.ref)
            if session is None:
                report = await self.retriever.remove_session(job.team_id, job.ref)
            else:
                report = await self.retriever.index_resolved(session)
        elif job.kind == FLOWS_JOB:
            flows = await self._source.scope_flows(job.team_id)
            report = await self.retriever.index_flows(job.team_id, flows, prune=True)
        else:
            raise UnknownJob(f"unknown index job {job.kind!r} for team {job.team_id!r}")
        if report.embed_failures:
            self._count(report)  # the text is in, counted now; the retry only adds the vector
            raise EmbeddingPending(report.errors[0] if report.errors else "embedding failed")
        return report

    def _count(self, report: IndexReport) -> None:
        changed = report.written + report.removed
        if changed and not self._changed:
            self._first_change = self._monotonic()
        self._changed += changed

    async def refresh_statistics_if_due(self) -> bool:
        """Refresh the lexical statistics if the policy says so; True if it did."""
        if not self._changed:
            return False
        waited = self._monotonic() - self._first_change
        if self._changed < self.statistics.every_documents and waited < self.statistics.every_seconds:
            return False
        try:
            await self.retriever.refresh_statistics()
        except Exception:  # the statistics only tune the lexical query; the next pass tries again
            log.warning("refreshing the search statistics failed", exc_info=True)
            return False
        self._changed = 0
        return True

"""Queue depth and age as Prometheus gauges, read from the database when ``/metrics`` is scraped.

Each queue has a probe (``bot.store.queue_stats``: one cheap indexed query) answering ``(state, rows, oldest)`` per
state. ``refresh`` runs the probes at most once per ``cache_seconds`` (scrapes from several Prometheus servers, or
a dashboard's bursts, share one read), each bounded by ``timeout_seconds``. A probe that fails or is too slow (the
database is down, restarting, or locked) never fails the scrape: that queue's ``rfbot_queue_up`` is 0 and its depth
and age are left out (no stale figures), while every other metric is reported as usual. The first failure of a
queue is logged once, and its recovery once.

The figures are the database's, so every replica reports the same ones: aggregate them across replicas with
``max``, not ``sum``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
QueueRow = tuple[str, int, datetime | None]
"""One state of a queue: its name, how many rows are in it, when the oldest of them arrived (None when empty)."""
QueueProbe = Callable[[], Awaitable[Sequence[QueueRow]]]
"""Reads one queue (``bot.store.queue_stats.SqlQueueStats.inbox`` and its siblings)."""

DEPTH = "rfbot_queue_depth"
AGE = "rfbot_queue_oldest_age_seconds"
UP = "rfbot_queue_up"


class QueueGauges(Collector):
    """``rfbot_queue_depth{queue,state}``, ``rfbot_queue_oldest_age_seconds{queue,state}`` (0 when empty) and
    ``rfbot_queue_up{queue}`` (1 when the last read of that queue succeeded), from ``probes`` by queue name.
    ``now`` is the app's clock (ages are measured against it); ``monotonic`` times the cache."""

    def __init__(
        self,
        probes: Mapping[str, QueueProbe],
        now: Callable[[], datetime],
        *,
        cache_seconds: float = 2.0,
        timeout_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probes = dict(probes)
        self.cache_seconds = cache_seconds
        self.timeout_seconds = timeout_seconds
        self._now = now
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._read_at: float | None = None
        self._rows: dict[str, list[QueueRow]] = {}
        self._up: dict[str, bool] = {}
        self.reads = 0  # how many times the probes were run (a test can see the cache at work)

    async def refresh(self) -> None:
        """Run every probe, unless they ran less than ``cache_seconds`` ago (concurrent callers share one read)."""
        async with self._lock:
            if self._read_at is not None and self._monotonic() - self._read_at < self.cache_seconds:
                return
            await asyncio.gather(*(self._read(name, probe) for name, probe in self.probes.items()))
            self._read_at = self._monotonic()
            self.reads += 1

    async def _read(self, name: str, probe: QueueProbe) -> None:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                rows = list(await probe())
        except Exception as err:  # a scrape never fails: the queue is reported down until a read succeeds
            if self._up.get(name, True):
                log.warning("metrics: the %s queue cannot be read (%s): %s", name, type(err).__name__, err)
            self._up[name] = False
            self._rows.pop(name, None)
            return
        if not self._up.get(name, True):
            log.info("metrics: the %s queue can be read again", name)
        self._up[name] = True
        self._rows[name] = rows

    def describe(self) -> Iterable[Metric]:
        """The families this collector reports (for the registry's name check)."""
        return self._families()

    def collect(self) -> Iterable[Metric]:
        """The gauges as last read; ages measured now."""
        depth, age, up = self._families()
        now = self._now()
        for name in self.probes:
            if name not in self._up:
                continue  # never read yet (``refresh`` runs before each scrape)
            up.add_metric([name], 1.0 if self._up[name] else 0.0)
            for state, rows, oldest in self._rows.get(name, []):
                depth.add_metric([name, state], float(rows))
                seconds = (now - oldest).total_seconds() if oldest is not None and rows else 0.0
                age.add_metric([name, state], max(0.0, seconds))
        return [depth, age, up]

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(DEPTH, "Rows waiting in a queue, by state.", labels=["queue", "state"]),
            GaugeMetricFamily(
                AGE, "Age of the oldest row waiting in a queue, by state (0 when empty).", labels=["queue", "state"]
            ),
            GaugeMetricFamily(UP, "1 when the queue's figures could be read at the last scrape.", labels=["queue"]),
        ]

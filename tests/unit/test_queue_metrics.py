"""``QueueGauges``: read at scrape time, cached between reads, and never failing a scrape -- a probe that raises or
hangs marks its queue down (no stale figures) while the other queues and every counter are still reported."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.metrics import Metrics
from bot.queue_metrics import QueueGauges, QueueRow

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Ticker:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


class Probe:
    """A queue whose rows the test sets; ``fail`` makes it raise, ``hang`` makes it wait until released."""

    def __init__(self, *rows: QueueRow) -> None:
        self.rows = list(rows)
        self.fail: Exception | None = None
        self.hang = False
        self.release = asyncio.Event()
        self.calls = 0

    async def __call__(self) -> list[QueueRow]:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        if self.hang:
            await self.release.wait()
        return list(self.rows)


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def rig(**probes: Probe) -> tuple[Metrics, QueueGauges, Ticker]:
    ticker = Ticker()
    metrics = Metrics()
    gauges = metrics.watch_queues(QueueGauges(probes, lambda: NOW, cache_seconds=2.0, monotonic=ticker))
    return metrics, gauges, ticker


async def test_depth_and_age_per_state_read_when_scraped() -> None:
    inbox = Probe(("pending", 3, NOW - timedelta(seconds=42)), ("failed", 0, None))
    metrics, _, _ = rig(inbox=inbox)
    assert sample(metrics, "rfbot_queue_depth", queue="inbox", state="pending") is None  # nothing read before a scrape
    text = (await metrics.scrape()).decode()
    assert 'rfbot_queue_depth{queue="inbox",state="pending"} 3.0' in text
    assert 'rfbot_queue_oldest_age_seconds{queue="inbox",state="pending"} 42.0' in text
    assert 'rfbot_queue_depth{queue="inbox",state="failed"} 0.0' in text
    assert 'rfbot_queue_oldest_age_seconds{queue="inbox",state="failed"} 0.0' in text
    assert 'rfbot_queue_up{queue="inbox"} 1.0' in text


async def test_reads_are_cached_for_a_moment_and_shared_by_concurrent_scrapes() -> None:
    inbox = Probe(("pending", 1, NOW))
    metrics, gauges, ticker = rig(inbox=inbox)
    await asyncio.gather(*(metrics.scrape() for _ in range(5)))
    assert inbox.calls == 1 and gauges.reads == 1
    inbox.rows = [("pending", 7, NOW)]
    ticker.value += 1.0  # within the 2 s cache: the figure is the one read before
    await metrics.scrape()
    assert inbox.calls == 1 and sample(metrics, "rfbot_queue_depth", queue="inbox", state="pending") == 1.0
    ticker.value += 1.5
    await metrics.scrape()
    assert inbox.calls == 2 and sample(metrics, "rfbot_queue_depth", queue="inbox", state="pending") == 7.0


async def test_a_failing_probe_marks_only_its_queue_down_and_the_scrape_still_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, outbox = Probe(("pending", 2, NOW)), Probe(("pending", 1, NOW))
    metrics, gauges, _ = rig(inbox=inbox, outbox=outbox)
    gauges.cache_seconds = 0.0
    metrics.push("psa.note", "delivered")
    await metrics.scrape()
    inbox.fail = OSError("connection refused")
    with caplog.at_level(logging.INFO, logger="bot.queue_metrics"):
        for _ in range(3):
            text = (await metrics.scrape()).decode()
        assert 'rfbot_queue_up{queue="inbox"} 0.0' in text and 'rfbot_queue_up{queue="outbox"} 1.0' in text
        assert 'queue="inbox",state=' not in text, "no stale figures for a queue that cannot be read"
        assert 'rfbot_queue_depth{queue="outbox",state="pending"} 1.0' in text
        assert 'rfbot_pushes_total{kind="psa.note",state="delivered"} 1.0' in text
        inbox.fail = None
        text = (await metrics.scrape()).decode()
    assert (
        'rfbot_queue_up{queue="inbox"} 1.0' in text and 'rfbot_queue_depth{queue="inbox",state="pending"} 2.0' in text
    )
    said = [r.getMessage() for r in caplog.records]
    assert len([m for m in said if "cannot be read" in m]) == 1, said  # once, not at every scrape
    assert len([m for m in said if "can be read again" in m]) == 1, said


async def test_a_hanging_probe_is_cut_short() -> None:
    inbox, outbox = Probe(("pending", 2, NOW)), Probe(("pending", 1, NOW))
    inbox.hang = True
    metrics, gauges, _ = rig(inbox=inbox, outbox=outbox)
    gauges.timeout_seconds = 0.01
    text = (await metrics.scrape()).decode()
    assert 'rfbot_queue_up{queue="inbox"} 0.0' in text and 'rfbot_queue_up{queue="outbox"} 1.0' in text
    inbox.release.set()


async def test_a_metrics_object_without_queues_renders_as_before() -> None:
    metrics = Metrics()
    metrics.model_call("fast", "turn", {"input": 120, "output": 30}, True)
    text = (await metrics.scrape()).decode()
    assert 'rfbot_model_tokens_total{kind="input",tier="fast"} 120.0' in text and "rfbot_queue" not in text

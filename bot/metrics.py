"""Prometheus metrics of one running bot (a registry per app, no module-level state).

Counters and histograms are updated by hooks as things happen; the queue gauges (``QueueGauges``) are read from the
database when ``/metrics`` is scraped. Every metric is listed in docs/operations.md ("Metrics").
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.queue_metrics import QueueGauges

MODEL_TOKEN_KINDS = ("input", "output", "cache_read", "cache_creation")
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 3.0)


class Metrics:
    """Requests, acknowledgement latency, engine steps, outbound deliveries, PSA pushes, model calls, and (once
    ``watch_queues`` is called) the depth and age of the inbox, outbox and scheduler queues."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rfbot_http_requests", "HTTP requests served.", ["route", "status"], registry=self.registry
        )
        self.ack_seconds = Histogram(
            "rfbot_ack_seconds",
            "Time to acknowledge a platform request.",
            ["platform"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.steps = Counter(
            "rfbot_events", "Inbound events handled by the engine.", ["platform", "result"], registry=self.registry
        )
        self.step_seconds = Histogram(
            "rfbot_event_seconds",
            "Time from picking an event up to delivering its replies.",
            ["platform"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "rfbot_deliveries", "Outbound platform API calls.", ["platform", "method", "result"], registry=self.registry
        )
        self.model_calls = Counter(
            "rfbot_model_calls", "Copilot model API calls.", ["tier", "purpose", "result"], registry=self.registry
        )
        self.model_tokens = Counter(
            "rfbot_model_tokens",
            "Copilot model tokens by kind (input, output, cache_read, cache_creation).",
            ["tier", "kind"],
            registry=self.registry,
        )
        self.pushes = Counter(
            "rfbot_pushes",
            "Outbox pushes to the PSA by outcome (delivered, retrying, failed).",
            ["kind", "state"],
            registry=self.registry,
        )
        self.queues: QueueGauges | None = None

    def watch_queues(self, gauges: QueueGauges) -> QueueGauges:
        """Also report ``gauges`` (the depth and age of the queues its probes read), refreshed by ``scrape``."""
        if self.queues is not None:
            self.registry.unregister(self.queues)
        self.queues = gauges
        self.registry.register(gauges)
        return gauges

    def ack(self, platform: str, seconds: float, status: int) -> None:
        """A platform request was answered."""
        self.ack_seconds.labels(platform).observe(seconds)

    def event_handled(self, kind: str, seconds: float, ok: bool) -> None:
        """Worker hook: one inbox event done."""
        self.steps.labels(kind, "ok" if ok else "failed").inc()
        self.step_seconds.labels(kind).observe(seconds)

    def delivery(self, platform: str, method: str, ok: bool) -> None:
        """Sender hook: one platform API call."""
        self.deliveries.labels(platform, method, "ok" if ok else "failed").inc()

    def model_call(self, tier: str, purpose: str, usage: Mapping[str, int] | None, ok: bool) -> None:
        """Copilot hook (``observe``): one model API call, its token usage (None when the call failed)."""
        self.model_calls.labels(tier, purpose, "ok" if ok else "failed").inc()
        for kind in MODEL_TOKEN_KINDS:
            count = (usage or {}).get(kind, 0)
            if count > 0:
                self.model_tokens.labels(tier, kind).inc(count)

    def push(self, kind: str, state: str) -> None:
        """Outbox hook: one push attempt ended ``delivered``, ``retrying`` or ``failed``."""
        self.pushes.labels(kind, state).inc()

    def render(self) -> bytes:
        """The text exposition format (queue gauges as last read)."""
        return generate_latest(self.registry)

    async def scrape(self) -> bytes:
        """``/metrics``: read the queues (cached briefly; a database that is down or slow never fails this), then
        render."""
        if self.queues is not None:
            await self.queues.refresh()
        return self.render()

"""Prometheus metrics of one running bot (a registry per app, no module-level state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 3.0)


class Metrics:
    """Requests, acknowledgement latency, engine steps and outbound deliveries."""

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

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)

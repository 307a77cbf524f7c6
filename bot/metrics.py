"""Prometheus metrics of one running bot (a registry per app, no module-level state)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

MODEL_TOKEN_KINDS = ("input", "output", "cache_read", "cache_creation")
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 3.0)


class Metrics:
    """Requests, acknowledgement latency, engine steps, outbound deliveries and model calls."""

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

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)

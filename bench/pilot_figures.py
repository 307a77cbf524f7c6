"""The FlowPilot bench's figures as data (``bench.figures``), computed from the same measurements it prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bench.bench_slack import pct
from bench.figures import Row
from bench.pilot_model import TOKEN_KINDS, Call
from bench.pilot_slack import PilotSlackApi, TurnTiming

FIRST_FEEDBACK_S, EDITS_PER_S = 1.0, 1.25  # "about one per second"


def share(part: float, whole: float) -> float:
    """``part / whole`` (0 when ``whole`` is 0)."""
    return part / whole if whole else 0.0


def latency_rows(label: str, turns: list[TurnTiming], api: PilotSlackApi) -> list[Row]:
    """First visible feedback, final reply and edit rate of one latency run (none when it had no turns)."""
    if not turns:
        return []
    first = [t.first_visible for t in turns]
    rates = [share(len(t.edits), t.final - t.placeholder) for t in turns]
    late = sum(t.late_edits(api) for t in turns)
    return [
        Row(f"first visible feedback p50, {label}", pct(first, 50), "ms", digits=0),
        Row(
            f"first visible feedback max, {label}",
            max(first) * 1000,
            "ms",
            target=f"<= {FIRST_FEEDBACK_S:.0f} s",
            met=max(first) <= FIRST_FEEDBACK_S,
            digits=0,
        ),
        Row(f"final reply p95, {label}", pct([t.final for t in turns], 95) / 1000, "s", digits=2),
        Row(
            f"edits per second of a streamed reply (max), {label}",
            max(rates),
            "/s",
            target=f"about 1/s, <= {EDITS_PER_S}/s, none after the final reply",
            met=max(rates) <= EDITS_PER_S and late == 0,
            digits=2,
        ),
    ]


def routing_rows(calls: Sequence[Call], sessions: int, resolved: int, agrees: bool, fast_model: str) -> list[Row]:
    """Model calls per session, the fast tier's share of turns and the cached-token share of the scripted run."""
    turns = [c for c in calls if c.purpose == "turn"]
    fast_turns = sum(1 for c in turns if c.model == fast_model)
    totals: Counter[str] = Counter()
    for call in calls:
        totals.update(call.usage)
    prompt = sum(totals[k] for k in TOKEN_KINDS[:3])
    return [
        Row(
            "sessions resolved with the ticket note posted",
            resolved,
            f"of {sessions}",
            target=f"{sessions}",
            met=resolved == sessions,
        ),
        Row("model calls per session", share(len(calls), sessions), "", digits=1),
        Row(
            "turns on the fast tier",
            share(fast_turns, len(turns)) * 100,
            "%",
            target=">= 70%",
            met=share(fast_turns, len(turns)) >= 0.7,
            digits=0,
        ),
        Row("cached-token share of prompt tokens", share(totals["cache_read_input_tokens"], prompt) * 100, "%"),
        Row("server /metrics model calls agree with the fake's", "yes" if agrees else "NO", target="yes", met=agrees),
    ]

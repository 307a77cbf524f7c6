"""Escalation statistics: when a claimer first acted, and average / median / p95 of durations (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.engine.model import TimelineEntry, TimelineKind

# Entries that are not the claimer working the problem: the handover itself, pushes and exports the bot records,
# FlowPilot's replies.
NOT_ACTIONS = frozenset(
    {
        TimelineKind.ESCALATED,
        TimelineKind.CLAIMED,
        TimelineKind.HANDED_OVER,
        TimelineKind.PSA_PUSHED,
        TimelineKind.PSA_PUSH_FAILED,
        TimelineKind.EXPORTED,
        TimelineKind.PILOT_REPLIED,
        TimelineKind.STARTED,
    }
)


def first_action(timeline: Sequence[TimelineEntry], claimer_id: str, claimed_at: datetime) -> datetime | None:
    """When the claimer first acted on the session after claiming it (a step, an answer, a note, a fact, a fix
    outcome, a question to FlowPilot, resolving...); None while they have not."""
    for entry in timeline:
        if entry.actor_id == claimer_id and entry.at >= claimed_at and entry.kind not in NOT_ACTIONS:
            return entry.at
    return None


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ascending ``sorted_values`` (``fraction`` 0.95 = p95): the smallest value with
    at least that share of the values at or below it. ``ValueError`` when there are none."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def median(sorted_values: Sequence[float]) -> float:
    """The median of ascending ``sorted_values`` (the mean of the middle two for an even count)."""
    if not sorted_values:
        raise ValueError("no values")
    n = len(sorted_values)
    mid = n // 2
    return sorted_values[mid] if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


@dataclass(frozen=True, slots=True)
class Summary:
    """Average, median and p95 of some durations, in seconds."""

    count: int
    average: float
    median: float
    p95: float


def summarize(seconds: Sequence[float]) -> Summary | None:
    """The summary of ``seconds``; None when there are none."""
    if not seconds:
        return None
    values = sorted(seconds)
    return Summary(len(values), sum(values) / len(values), median(values), percentile(values, 0.95))


def duration(seconds: float) -> str:
    """A short human duration: ``45s``, ``12m 05s``, ``3h 07m``, ``2d 4h``."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"

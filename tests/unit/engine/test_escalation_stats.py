"""The pure parts of escalation: claim-to-first-action statistics (nearest-rank p95, median, durations), what counts
as the claimer's first action, and the structured package built from a guided session's record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.engine.escalation.package import HEADINGS, structured_package
from bot.engine.escalation.stats import duration, first_action, median, percentile, summarize
from bot.engine.model import (
    Fact,
    FactSource,
    FixStatus,
    Session,
    SuggestedFix,
    TicketLink,
    TimelineEntry,
    TimelineKind,
)
from tests.unit.engine.conftest import VPN

AT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def entry(kind: TimelineKind, actor: str, minutes: float, **fields: object) -> TimelineEntry:
    return TimelineEntry("e", "t", "s", AT + timedelta(minutes=minutes), kind, actor, actor.title(), **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "p95", "mid"),
    [
        ([5.0], 5.0, 5.0),
        ([1.0, 2.0], 2.0, 1.5),
        ([float(n) for n in range(1, 21)], 19.0, 10.5),  # rank ceil(0.95 * 20) = 19
        ([float(n) for n in range(1, 101)], 95.0, 50.5),
        ([3.0, 1.0, 2.0], 3.0, 2.0),  # summarize sorts first
    ],
)
def test_p95_is_nearest_rank_and_the_median_averages_the_middle_pair(
    values: list[float], p95: float, mid: float
) -> None:
    summary = summarize(values)
    assert summary is not None and (summary.p95, summary.median, summary.count) == (p95, mid, len(values))
    assert summary.average == pytest.approx(sum(values) / len(values))
    assert percentile(sorted(values), 0.95) == p95 and median(sorted(values)) == mid


def test_nothing_to_summarize() -> None:
    assert summarize([]) is None
    with pytest.raises(ValueError):
        percentile([], 0.95)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (45.4, "45s"), (725, "12m 05s"), (11_220, "3h 07m"), (2 * 86_400 + 4 * 3600, "2d 4h")],
)
def test_durations_read_short(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


def test_the_first_action_is_the_claimers_own_work_after_the_claim() -> None:
    timeline = [
        entry(TimelineKind.STEP_ANSWERED, "carol", -5),  # before the claim
        entry(TimelineKind.NOTE, "bob", 1),  # someone else
        entry(TimelineKind.CLAIMED, "carol", 0),
        entry(TimelineKind.HANDED_OVER, "carol", 0.5),  # the choice is part of claiming
        entry(TimelineKind.PSA_PUSHED, "carol", 1),
        entry(TimelineKind.NOTE, "carol", 3),
        entry(TimelineKind.STEP_ANSWERED, "carol", 4),
    ]
    assert first_action(timeline, "carol", AT) == AT + timedelta(minutes=3)
    assert first_action(timeline[:5], "carol", AT) is None


def test_the_structured_package_sorts_what_was_found_from_what_was_done() -> None:
    session = Session(
        id="s",
        team_id="t",
        engineer_id="u",
        conversation={},
        conversation_key="k",
        started_at=AT,
        updated_at=AT,
        flow_key=VPN.key,
        current_node="works",
        problem_summary="VPN drops every hour",
        ticket=TicketLink("12345", "Whole office offline"),
    )
    timeline = [
        entry(TimelineKind.STEP_ANSWERED, "bob", 1, node_id="internet", title="Does the internet work?", answer="Yes"),
        entry(
            TimelineKind.STEP_ANSWERED,
            "bob",
            2,
            node_id="restart",
            title="Restart the VPN client",
            answer="Didn't work",
            detail={"outcome": "failed"},
        ),
        entry(TimelineKind.NOTE, "bob", 3, title="Restart", answer="event 20227 in the log"),
    ]
    facts = [Fact("f", "t", "s", "Only the VPN is affected", FactSource.ENGINEER_NOTE, AT)]
    fixes = [SuggestedFix("x", "t", "s", "Reinstall the client", AT, status=FixStatus.APPLIED_PARTIAL)]
    sections = dict(structured_package(session, VPN, timeline, facts, fixes))
    assert list(sections) == list(HEADINGS)
    assert "VPN drops every hour" in sections["Problem"] and "Whole office offline" in sections["Problem"]
    confirmed, tried = sections["What we've confirmed"], sections["What we've tried"]
    assert "Only the VPN is affected" in confirmed and "Does the internet work? → Yes" in confirmed
    assert "Note: event 20227 in the log" in confirmed
    assert "Restart the VPN client: didn't work" in tried and "Reinstall the client: partly worked" in tried
    assert "“Does it connect now?” in VPN test" in sections["Suggested next steps"]
    assert sections["Current hypothesis"].startswith("Not established yet.")

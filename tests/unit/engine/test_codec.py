"""Events survive the trip through the inbox's JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.engine import codec
from bot.engine.events import (
    ActionId,
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    DeliveryReported,
    DeliveryState,
    FormId,
    FormSubmitted,
    HomeOpened,
    MessageReceived,
    ScheduleFired,
    ThreadStarted,
    TimerFired,
)

BASE = {
    "team_id": "t1",
    "actor": Actor("slack", "U1", "Alice", "alice@example.invalid"),
    "conversation": ConversationRef("slack", "C1", "1700000000.0001", {"trigger_id": "x"}),
    "at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    "event_id": "slack:act:1",
}
EVENTS = [
    CommandIssued(name="start", args="vpn #1", **BASE),  # type: ignore[arg-type]
    MessageReceived(text="rebooted", **BASE),  # type: ignore[arg-type]
    ButtonPressed(action=ActionId.CHOOSE, session_id="s", state_version=3, value="yes", **BASE),  # type: ignore[arg-type]
    FormSubmitted(form=FormId.RESOLVE, session_id="s", state_version=4, values={"summary": "ok"}, **BASE),  # type: ignore[arg-type]
    TimerFired(job="nudge", session_id="s", **BASE),  # type: ignore[arg-type]
    ThreadStarted(session_id="s", thread="1700000000.0002", **BASE),  # type: ignore[arg-type]
    HomeOpened(**BASE),  # type: ignore[arg-type]
    DeliveryReported(
        session_id="s",
        outbox_id="o1",
        state=DeliveryState.FAILED,
        label="Resolution note",
        target="ticket #5",
        error="ConnectWise is down",
        attempt=6,
        **BASE,  # type: ignore[arg-type]
    ),
    ScheduleFired(
        schedule_id="sch1",
        kind="maintenance_run",
        fire_time=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
        payload={"flow": "patching", "targets": ["srv1", "srv2"]},
        session_id="s",
        **BASE,  # type: ignore[arg-type]
    ),
]


@pytest.mark.parametrize("event", EVENTS, ids=[type(e).__name__ for e in EVENTS])
def test_round_trip_through_json(event: object) -> None:
    encoded = json.loads(json.dumps(codec.encode(event)))  # type: ignore[arg-type]
    assert codec.decode(encoded) == event


@pytest.mark.parametrize("bad", [{}, {"v": 2}, {"v": 1, "type": "Nope"}, {"v": 1, "type": "ButtonPressed"}])
def test_unreadable_payloads_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(codec.UnknownEvent):
        codec.decode(bad)

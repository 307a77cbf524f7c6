"""Console input -> events (pure), table-tested."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine.events import ActionId, Actor, ButtonPressed, CommandIssued, MessageReceived
from bot.engine.replies import Button, Buttons, Select, SelectOption, View
from bot.handlers.console.translate import Choice, InputError, Who, choices_of, conversation_for, translate

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WHO = Who("team-1", Actor("console", "alice", "Alice"), conversation_for("acme", "alice"))
CHOICES = [
    Choice("Yes", ActionId.CHOOSE, "s1", 3, "yes"),
    Choice("No", ActionId.CHOOSE, "s1", 3, "no"),
    Choice("✓ Done", ActionId.DONE, "s1", 3, "ok"),
]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "/start vpn #123",
            CommandIssued(
                team_id="team-1",
                actor=WHO.actor,
                conversation=WHO.conversation,
                at=AT,
                event_id="console:1",
                name="start",
                args="vpn #123",
            ),
        ),
        (
            "2",
            ButtonPressed(
                team_id="team-1",
                actor=WHO.actor,
                conversation=WHO.conversation,
                at=AT,
                event_id="console:1",
                action=ActionId.CHOOSE,
                session_id="s1",
                state_version=3,
                value="no",
            ),
        ),
        (
            "=done",
            ButtonPressed(
                team_id="team-1",
                actor=WHO.actor,
                conversation=WHO.conversation,
                at=AT,
                event_id="console:1",
                action=ActionId.DONE,
                session_id="s1",
                state_version=3,
                value="ok",
            ),
        ),
        (
            "rebooted it",
            MessageReceived(
                team_id="team-1",
                actor=WHO.actor,
                conversation=WHO.conversation,
                at=AT,
                event_id="console:1",
                text="rebooted it",
            ),
        ),
        ("   ", None),
    ],
)
def test_translate(line: str, expected: object) -> None:
    assert translate(line, CHOICES, WHO, AT, 1) == expected


@pytest.mark.parametrize("line", ["0", "4", "=maybe", "=  "])
def test_bad_choices_are_explained(line: str) -> None:
    with pytest.raises(InputError):
        translate(line, CHOICES, WHO, AT, 1)


def test_choices_cover_buttons_and_select_options_in_order() -> None:
    view = View(
        (
            Buttons((Button("A", ActionId.CHOOSE, "s", 1, "a"),)),
            Select("Pick", ActionId.START_FLOW, (SelectOption("VPN", "vpn"), SelectOption("Printer", "printer"))),
        )
    )
    assert [c.value for c in choices_of(view)] == ["a", "vpn", "printer"]


def test_conversation_is_per_team_and_user() -> None:
    assert conversation_for("acme", "alice").key == "console:acme:alice:main"

"""Any Slack payload — a recorded one with parts dropped or replaced at any depth, or random JSON — translates to
well-formed engine events (or none) or is refused with ``Untranslatable``: never another exception."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from bot.engine.events import ButtonPressed, CommandIssued, FormSubmitted, HomeOpened, InboundEvent, MessageReceived
from bot.handlers.slack import translate
from tests.fuzz.strategies import json_values, mutated_mapping, texts

FIXTURES = Path(__file__).parents[3] / "fixtures" / "slack"
AT = datetime(2025, 10, 8, 17, 33, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def well_formed(event: InboundEvent) -> None:
    assert isinstance(event, ButtonPressed | CommandIssued | FormSubmitted | HomeOpened | MessageReceived)
    assert event.team_id == "team-ours" and event.event_id.startswith("slack:")
    assert isinstance(event.actor.platform_user_id, str) and event.actor.platform_user_id
    assert isinstance(event.conversation.channel, str) and isinstance(event.conversation.thread, str)
    if isinstance(event, ButtonPressed):
        assert isinstance(event.session_id, str) and isinstance(event.state_version, int)
        assert isinstance(event.value, str)
    if isinstance(event, FormSubmitted):
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.values.items())
    if isinstance(event, CommandIssued | MessageReceived):
        assert isinstance(event.files, tuple)


def bodies(*names: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(*[mutated_mapping(load(name)) for name in names], st.dictionaries(texts, json_values, max_size=6))


@given(bodies("slash_command_start"), texts)
def test_slash_commands(body: dict[str, Any], bot_user_id: str) -> None:
    with contextlib.suppress(translate.Untranslatable):
        well_formed(translate.command_event(body, "team-ours", AT, bot_user_id=bot_user_id))


@given(bodies("block_actions_button", "block_actions_select", "block_actions_home"))
@example({"actions": ["rf.choose.0"]}).via("an action that is a string, not an object")
@example({"actions": [{"action_id": "rf.choose.0", "value": '{"v":1,"s":"s","n":1,"x":"y"}'}], "user": "U1"})
def test_block_actions(body: dict[str, Any]) -> None:
    try:
        events = translate.action_events(body, "team-ours", AT)
    except translate.Untranslatable:
        return
    for event in events:
        well_formed(event)


@given(bodies("view_submission_resolve"))
@example(
    {
        "view": {
            "private_metadata": '{"v":1,"s":"sess-1","n":7,"c":"C1","t":"1700000000.000100"}',
            "callback_id": "rf.form.resolve",
            "state": {"values": "0"},
        }
    }
).via("found: state.values not an object raised AttributeError")
def test_view_submissions(body: dict[str, Any]) -> None:
    with contextlib.suppress(translate.Untranslatable):
        well_formed(translate.form_event(body, "team-ours", AT))


MESSAGE_FIXTURES = (
    "event_app_mention",
    "event_bot_message",
    "event_file_share",
    "event_message_changed",
    "event_message_im",
    "event_message_thread",
)


@given(bodies(*MESSAGE_FIXTURES), st.sampled_from(["", "UBOT", "U1"]))
@example({"event": {"type": "message", "subtype": []}}, "").via("found: a list subtype raised TypeError")
def test_message_events(envelope: dict[str, Any], bot_user_id: str) -> None:
    event = envelope.get("event")
    try:
        translated = translate.message_event(
            event if isinstance(event, dict) else {}, envelope, "team-ours", AT, bot_user_id
        )
    except translate.Untranslatable:
        return
    if translated is not None:
        well_formed(translated)


@given(bodies("event_app_home_opened"))
def test_home_opened(envelope: dict[str, Any]) -> None:
    event = envelope.get("event")
    try:
        translated = translate.home_event(event if isinstance(event, dict) else {}, envelope, "team-ours", AT)
    except translate.Untranslatable:
        return
    if translated is not None:
        well_formed(translated)


@given(st.dictionaries(texts, json_values, max_size=6) | bodies("block_actions_button", "event_message_im"))
def test_team_and_user_of(body: dict[str, Any]) -> None:
    for read in (translate.team_of, translate.user_of):
        with contextlib.suppress(translate.Untranslatable):
            assert isinstance(read(body), str)

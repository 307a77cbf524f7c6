"""Recorded-style Slack payloads -> neutral engine events; ignored payloads give None/[]; bad ones raise."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.engine.events import (
    ActionId,
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    FormId,
    HomeOpened,
    MessageReceived,
)
from bot.handlers.slack import translate
from bot.handlers.slack.translate import Untranslatable

FIXTURES = Path(__file__).parents[3] / "fixtures" / "slack"
AT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
TEAM = "team-ours"
BOT = "UBOT"
DANA = Actor("slack", "U1", "dana")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def message(name: str, **changes: Any) -> MessageReceived | CommandIssued | None:
    envelope = load(name)
    event = {**envelope["event"], **changes}
    return translate.message_event({k: v for k, v in event.items() if v is not None}, envelope, TEAM, AT, BOT)


def test_slash_command() -> None:
    body = load("slash_command_start")
    assert translate.command_event(body, TEAM, AT) == CommandIssued(
        team_id=TEAM,
        actor=DANA,
        conversation=ConversationRef(
            "slack",
            "C1",
            "",
            {"team": "T1", "response_url": body["response_url"], "trigger_id": body["trigger_id"]},
        ),
        at=AT,
        event_id=f"slack:cmd:{body['trigger_id']}",
        name="start",
        args="vpn #123",
    )


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [("", "help", ""), ("   ", "help", ""), ("STATUS", "status", ""), ("note a &amp; b", "note", "a & b")],
)
def test_slash_command_text(text: str, name: str, args: str) -> None:
    event = translate.command_event({**load("slash_command_start"), "text": text}, TEAM, AT)
    assert (event.name, event.args) == (name, args)


def test_slash_command_without_user_is_untranslatable() -> None:
    body = load("slash_command_start")
    del body["user_id"]
    with pytest.raises(Untranslatable, match="user_id"):
        translate.command_event(body, TEAM, AT)


def test_button_click() -> None:
    body = load("block_actions_button")
    (event,) = translate.action_events(body, TEAM, AT)
    assert event == ButtonPressed(
        team_id=TEAM,
        actor=DANA,
        conversation=ConversationRef(
            "slack",
            "C1",
            "1700000000.000100",
            {
                "team": "T1",
                "message_ts": "1700000000.000200",
                "trigger_id": body["trigger_id"],
                "response_url": body["response_url"],
            },
        ),
        at=AT,
        event_id="slack:act:U1:1700000010.123456:rf.choose.0",
        action=ActionId.CHOOSE,
        session_id="sess-1",
        state_version=4,
        value="yes",
    )
    assert translate.action_events(body, TEAM, AT)[0].event_id == event.event_id  # a redelivery dedupes


def test_select_choice_on_a_root_message_threads_under_it() -> None:
    (event,) = translate.action_events(load("block_actions_select"), TEAM, AT)
    assert (event.action, event.session_id, event.state_version, event.value) == (ActionId.START_FLOW, "", 0, "vpn")
    assert (event.conversation.channel, event.conversation.thread) == ("C1", "1700000000.000300")
    assert event.event_id == "slack:act:U1:1700000011.000001:rf.start_flow.0"


def test_click_in_a_dm_stays_in_the_dm_conversation() -> None:
    body = load("block_actions_select")
    body["channel"] = {"id": "D1", "name": "directmessage"}
    (event,) = translate.action_events(body, TEAM, AT)
    assert (event.conversation.channel, event.conversation.thread) == ("D1", "")


def test_click_on_an_ephemeral_message_uses_the_container() -> None:
    body = load("block_actions_button")
    del body["message"]
    (event,) = translate.action_events(body, TEAM, AT)
    assert (event.conversation.channel, event.conversation.thread) == ("C1", "1700000000.000100")


def test_click_in_app_home_has_no_conversation() -> None:
    body = load("block_actions_home")
    (event,) = translate.action_events(body, TEAM, AT)
    assert (event.action, event.session_id, event.state_version) == (ActionId.RESUME, "sess-1", 5)
    assert event.conversation == ConversationRef(
        "slack", "", "", {"team": "T1", "message_ts": "", "trigger_id": body["trigger_id"], "response_url": ""}
    )
    assert event.event_id == "slack:act:U1:1700000062.000001:rf.resume.0"


def test_click_in_a_foreign_view_without_metadata_is_untranslatable() -> None:
    body = load("block_actions_home")
    body["view"]["type"] = "modal"
    with pytest.raises(Untranslatable, match="private_metadata"):
        translate.action_events(body, TEAM, AT)


def test_app_home_opened() -> None:
    envelope = load("event_app_home_opened")
    assert translate.home_event(envelope["event"], envelope, TEAM, AT) == HomeOpened(
        team_id=TEAM,
        actor=Actor("slack", "U1", "U1"),
        conversation=ConversationRef("slack", "", "", {"team": "T1"}),
        at=AT,
        event_id="slack:ev:Ev04HOME",
    )


@pytest.mark.parametrize("changes", [{"tab": "messages"}, {"type": "message"}])
def test_app_home_messages_tab_is_ignored(changes: dict[str, Any]) -> None:
    envelope = load("event_app_home_opened")
    assert translate.home_event({**envelope["event"], **changes}, envelope, TEAM, AT) is None


def test_app_home_opened_without_user_is_untranslatable() -> None:
    envelope = load("event_app_home_opened")
    del envelope["event"]["user"]
    with pytest.raises(Untranslatable, match="user"):
        translate.home_event(envelope["event"], envelope, TEAM, AT)


def test_foreign_action_ids_are_skipped() -> None:
    body = load("block_actions_button")
    body["actions"][0]["action_id"] = "someone_else"
    assert translate.action_events(body, TEAM, AT) == []


@pytest.mark.parametrize("value", ["not json", '{"v":99,"s":"x","n":1}', '{"v":1}', ""])
def test_bad_button_value_is_untranslatable(value: str) -> None:
    body = load("block_actions_button")
    body["actions"][0]["value"] = value
    with pytest.raises(Untranslatable):
        translate.action_events(body, TEAM, AT)


def test_modal_submission() -> None:
    body = load("view_submission_resolve")
    event = translate.form_event(body, TEAM, AT)
    assert event.form is FormId.RESOLVE
    assert (event.session_id, event.state_version) == ("sess-1", 7)
    assert event.values == {"summary": "Re-installed the VPN client & rebooted", "root_cause": ""}
    assert (event.conversation.channel, event.conversation.thread) == ("C1", "1700000000.000100")
    assert event.event_id == "slack:view:V1:1700000020.AbCdEf12"
    assert event.actor == DANA and event.team_id == TEAM


@pytest.mark.parametrize(
    ("key", "value"), [("callback_id", "rf.form.nope"), ("callback_id", "other"), ("private_metadata", "{}")]
)
def test_bad_modal_is_untranslatable(key: str, value: str) -> None:
    body = load("view_submission_resolve")
    body["view"][key] = value
    with pytest.raises(Untranslatable):
        translate.form_event(body, TEAM, AT)


def test_modal_select_value() -> None:
    body = copy.deepcopy(load("view_submission_resolve"))
    body["view"]["state"]["values"]["root_cause"] = {
        "value": {"type": "static_select", "selected_option": {"value": "x"}}
    }
    assert translate.form_event(body, TEAM, AT).values["root_cause"] == "x"


def test_message_in_the_bots_thread_is_a_note() -> None:
    event = message("event_message_thread")
    assert isinstance(event, MessageReceived)
    assert event.text == "Checked the cert: it expired yesterday & the client shows <error 809>. cc <@U2>"
    assert event.conversation == ConversationRef(
        "slack", "C1", "1700000000.000100", {"team": "T1", "message_ts": "1700000030.000500"}
    )
    assert (event.event_id, event.team_id, event.at) == ("slack:ev:Ev01THREAD", TEAM, AT)


def test_dm_command_and_dm_text() -> None:
    command = message("event_message_im")
    assert isinstance(command, CommandIssued)
    assert (command.name, command.args, command.event_id) == ("start", "printer #456", "slack:ev:Ev02IM")
    assert (command.conversation.channel, command.conversation.thread) == ("D1", "")
    note = message("event_message_im", text="the printer is on fire", thread_ts="1700000000.000900")
    assert isinstance(note, MessageReceived)
    assert note.conversation.thread == "1700000000.000900"


def test_mention_at_top_level_starts_a_thread_under_itself() -> None:
    event = message("event_app_mention")
    assert isinstance(event, CommandIssued)
    assert (event.name, event.args) == ("start", "vpn #123")
    assert (event.conversation.channel, event.conversation.thread) == ("C1", "1700000050.000700")
    assert event.event_id == "slack:ev:Ev03MENTION"


@pytest.mark.parametrize(
    ("text", "thread_ts", "kind", "expected"),
    [
        ("<@UBOT> hello there", None, CommandIssued, "pilot"),  # free text to the bot asks FlowPilot
        ("<@UBOT>", "1700000000.000100", CommandIssued, "help"),
        ("<@UBOT> it was DNS", "1700000000.000100", MessageReceived, "it was DNS"),
        ("<@UBOT> pause", "1700000000.000100", CommandIssued, "pause"),
        ("<@UBOT> escalate <@U2> tunnel drops", "1700000000.000100", CommandIssued, "escalate"),  # shared words
        ("<@UBOT> admin psa", "1700000000.000100", CommandIssued, "admin"),
        ("<@UBOT> admin account locked out", "1700000000.000100", MessageReceived, "admin account locked out"),
    ],
)
def test_mentions(text: str, thread_ts: str | None, kind: type, expected: str) -> None:
    event = message("event_app_mention", text=text, thread_ts=thread_ts)
    assert isinstance(event, kind)
    assert (event.name if isinstance(event, CommandIssued) else event.text) == expected  # type: ignore[union-attr]
    assert event is not None and event.conversation.thread == (thread_ts or "1700000050.000700")


@pytest.mark.parametrize(
    ("fixture", "changes"),
    [
        ("event_bot_message", {}),
        ("event_message_changed", {}),
        ("event_message_thread", {"subtype": "message_deleted"}),
        ("event_message_thread", {"user": BOT}),
        ("event_message_thread", {"parent_user_id": "U9"}),  # someone else's thread
        ("event_message_thread", {"thread_ts": None, "parent_user_id": None}),  # top-level channel chatter
        ("event_message_thread", {"text": "<@UBOT> pause"}),  # the app_mention event carries it
        ("event_message_im", {"text": "  "}),
        ("event_app_mention", {"bot_id": "B2"}),
    ],
)
def test_ignored_messages(fixture: str, changes: dict[str, Any]) -> None:
    assert message(fixture, **changes) is None


def test_file_share_and_broadcast_are_accepted() -> None:
    assert isinstance(message("event_message_thread", subtype="file_share"), MessageReceived)
    assert isinstance(message("event_message_thread", subtype="thread_broadcast"), MessageReceived)


def test_message_without_envelope_id_is_untranslatable() -> None:
    envelope = load("event_message_im")
    del envelope["event_id"]
    with pytest.raises(Untranslatable):
        translate.message_event(envelope["event"], envelope, TEAM, AT, BOT)


@pytest.mark.parametrize(
    ("body", "team"),
    [
        ({"team": {"id": "T1"}}, "T1"),
        ({"team": None, "user": {"id": "U1", "team_id": "T2"}}, "T2"),
        ({"team_id": "T3"}, "T3"),
        ({"authorizations": [{"team_id": "T4"}]}, "T4"),
    ],
)
def test_team_of(body: dict[str, Any], team: str) -> None:
    assert translate.team_of(body) == team


def test_user_of_and_missing_ids() -> None:
    assert translate.user_of({"user_id": "U1"}) == translate.user_of({"user": {"id": "U1"}}) == "U1"
    assert translate.user_of(load("event_message_im")) == "U1"
    with pytest.raises(Untranslatable):
        translate.team_of({})
    with pytest.raises(Untranslatable):
        translate.user_of({})

"""Card verbs and action data round-trip and reject tampering; Teams conversation ids map to ConversationRef."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.engine.events import ActionId, ConversationRef, FormId
from bot.handlers.teams import ids
from bot.handlers.teams.ids import BadPayload, ButtonData, CardAction, ConversationKind, FormData

CHANNEL = "19:7d2f8a1e0c4b4f0e9a3d5c6b7e8f9a0b@thread.tacv2"


@pytest.mark.parametrize("action", list(ActionId))
def test_every_action_verb_round_trips(action: ActionId) -> None:
    assert ids.parse_verb(ids.verb(action)) is action


@pytest.mark.parametrize("form", list(FormId))
def test_every_form_verb_round_trips(form: FormId) -> None:
    assert ids.parse_verb(ids.form_verb(form)) is form


def test_dismiss_verb_names_nothing() -> None:
    assert ids.parse_verb(ids.DISMISS) is None


@pytest.mark.parametrize(
    "raw", ["", "choose", "rf.", "rf.nope", "rf.form.nope", "rf.CHOOSE", "rf.choose.0", "xx.choose", "rf.form."]
)
def test_unknown_verbs_are_bad(raw: str) -> None:
    with pytest.raises(BadPayload):
        ids.parse_verb(raw)


def test_button_data_round_trips_and_is_compact() -> None:
    data = ButtonData("sess-1", 7, "yes").to_data(ActionId.CHOOSE)
    assert data == {"verb": "rf.choose", "rf": {"v": 1, "s": "sess-1", "n": 7, "x": "yes"}}
    assert len(json.dumps(data, separators=(",", ":"))) < 70
    parsed = ids.parse_action("rf.choose", data)
    assert parsed == CardAction(ActionId.CHOOSE, ButtonData("sess-1", 7, "yes"))
    assert parsed.choice() == "yes"


def test_select_data_names_its_choice_set() -> None:
    data = ButtonData("s", 2, input_id=ids.select_id(0)).to_data(ActionId.START_FLOW)
    merged = {**data, ids.select_id(0): "vpn", ids.select_id(1): "other"}
    parsed = ids.parse_action("rf.start_flow", merged)
    assert parsed.target is ActionId.START_FLOW
    assert parsed.choice() == "vpn"
    assert ids.parse_action("rf.start_flow", data).choice() == ""  # nothing picked


def test_home_buttons_are_marked() -> None:
    data = ButtonData("s", 1, "", home=True).to_data(ActionId.RESUME)
    assert data["rf"]["h"] == 1
    payload = ids.parse_action(None, data).payload
    assert isinstance(payload, ButtonData) and payload.home


def test_form_data_round_trips_with_inputs() -> None:
    data = FormData("s", 3, CHANNEL, "1759944781430").to_data(FormId.RESOLVE)
    merged = {**data, ids.input_id("summary"): "Rebooted the router", ids.input_id("minutes"): 15, "msteams": {}}
    parsed = ids.parse_action("rf.form.resolve", merged)
    assert parsed.target is FormId.RESOLVE
    assert parsed.payload == FormData("s", 3, CHANNEL, "1759944781430")
    assert parsed.inputs == {"summary": "Rebooted the router", "minutes": "15"}


def test_submit_without_verb_reads_it_from_data() -> None:
    data = ButtonData("s", 1, "ok").to_data(ActionId.DONE)
    assert ids.parse_action(None, data).target is ActionId.DONE


def test_dismiss_round_trips() -> None:
    assert ids.parse_action(ids.DISMISS, ids.dismiss_data()) == CardAction(None, None)


def _good() -> dict[str, Any]:
    return ButtonData("s", 1, "ok").to_data(ActionId.DONE)


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("rf.done", "not a dict"),
        ("rf.done", {"verb": "rf.done"}),  # no payload
        ("rf.done", {**_good(), "rf": "x"}),
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "v": 2}}),  # a future format
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "v": "1"}}),
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "n": "1"}}),
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "n": True}}),
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "n": -1}}),
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "s": 5}}),
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "x": ["a"]}}),
        ("rf.done", {**_good(), "rf": {**_good()["rf"], "s": "x" * 5000}}),
        ("rf.abandon", _good()),  # the verb was changed but not the data's copy
        ("rf.done", {**_good(), "verb": "rf.nope"}),
        (None, {"rf": _good()["rf"]}),  # Action.Submit without any verb
        ("rf.choose", {**_good(), "verb": "rf.choose", "rf": {"v": 1, "s": "s", "n": 1, "i": "evil"}}),
        ("rf.form.resolve", {"verb": "rf.form.resolve", "rf": {"v": 1, "s": "s", "n": 1}}),  # no channel
        ("rf.done", {**_good(), ids.input_id("x"): {"nested": 1}}),
        ("rf.done", {**_good(), ids.select_id(0): True}),
        ("rf.dismiss", {"verb": "rf.dismiss", "rf": {"v": 9}}),
    ],
)
def test_tampered_or_foreign_data_is_bad(verb: str | None, data: Any) -> None:
    with pytest.raises(BadPayload):
        ids.parse_action(verb, data)


@pytest.mark.parametrize(
    ("conversation_id", "kind", "channel", "thread"),
    [
        (f"{CHANNEL};messageid=1759944781430", ConversationKind.CHANNEL, CHANNEL, "1759944781430"),
        (CHANNEL, ConversationKind.CHANNEL, CHANNEL, ""),
        ("19:abc@thread.skype;messageid=42", ConversationKind.CHANNEL, "19:abc@thread.skype", "42"),
        ("a:1mK3xPersonalChatIdOpaque", ConversationKind.PERSONAL, "a:1mK3xPersonalChatIdOpaque", ""),
        ("19:0a1b2c3d@thread.v2", ConversationKind.GROUP_CHAT, "19:0a1b2c3d@thread.v2", ""),
    ],
)
def test_conversation_ids(conversation_id: str, kind: ConversationKind, channel: str, thread: str) -> None:
    assert ids.kind_of(conversation_id) is kind
    ref = ids.to_ref(conversation_id, extras={"tenant": "t"})
    assert ref == ConversationRef("teams", channel, thread, {"tenant": "t"})
    assert ids.from_ref(ref) == conversation_id


def test_stated_conversation_type_wins_and_chats_have_no_threads() -> None:
    assert ids.kind_of("19:x@thread.v2", "channel") is ConversationKind.CHANNEL
    assert ids.to_ref("19:x@thread.v2;messageid=5", "groupChat").thread == ""
    assert ids.conversation_id("a:personal", "123") == "a:personal"
    assert ids.conversation_id(CHANNEL, "123") == f"{CHANNEL};messageid=123"
    assert ids.split_conversation_id(f"{CHANNEL};messageid=9") == (CHANNEL, "9")

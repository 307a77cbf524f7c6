"""Realistic Teams activities -> the neutral events the Slack translator gives for the equivalent Slack payloads;
ignored activities give no events; bad ones give an error result, never an exception."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.engine.events import (
    ActionId,
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    FormId,
    FormSubmitted,
    HomeOpened,
    MessageReceived,
)
from bot.handlers.teams import ids, texts, translate
from bot.handlers.teams.translate import Translated
from tests.unit.handlers.teams.payloads import (
    BOT,
    CHANNEL,
    DANA,
    GROUP,
    PERSONAL,
    PERSONAL_CONVERSATION,
    SERVICE_URL,
    TEAM,
    TENANT,
    channel_message,
    execute,
    group_message,
    personal_message,
    submit,
)

AT = datetime(2025, 10, 8, 17, 33, 1, tzinfo=UTC)
OURS = "team-ours"
ACTOR = Actor("teams", DANA["id"], "Dana Lee")
CARD = "1759944800000"
CHANNEL_EXTRAS = {"tenant": TENANT, "service_url": SERVICE_URL, "team": TEAM}


def run(body: dict[str, Any]) -> Translated:
    return translate.translate(body, OURS, AT)


def only(body: dict[str, Any]) -> Any:
    result = run(body)
    assert not result.error, result.error
    (event,) = result.events
    return event


def test_mention_at_the_top_of_a_channel_is_a_command_threaded_under_the_post() -> None:
    body = channel_message("start vpn #12345")
    result = run(body)
    (event,) = result.events
    assert event == CommandIssued(
        team_id=OURS,
        actor=ACTOR,
        conversation=ConversationRef("teams", CHANNEL, "1759944781430", {**CHANNEL_EXTRAS, "message_id": body["id"]}),
        at=AT,
        event_id=event.event_id,
        name="start",
        args="vpn #12345",
    )
    assert event.event_id.startswith("teams:msg:1759944781430:")
    assert result.aad_object_id == DANA["aadObjectId"] and not result.invoke
    reference = result.reference
    assert reference["conversation"]["id"] == f"{CHANNEL};messageid=1759944781430"
    assert (reference["serviceUrl"], reference["bot"]["id"], reference["user"]["id"]) == (
        SERVICE_URL,
        BOT["id"],
        DANA["id"],
    )
    assert reference["activityId"] == "1759944781430" and reference["channelId"] == "msteams"


@pytest.mark.parametrize(
    ("text", "root", "kind", "name_or_text", "args"),
    [
        ("", None, CommandIssued, "help", ""),
        ("STATUS", None, CommandIssued, "status", ""),
        ("note asked for a reboot", None, CommandIssued, "note", "asked for a reboot"),
        ("vpn drops every hour #12345", None, CommandIssued, "pilot", "vpn drops every hour #12345"),
        ("status", "1759944700000", CommandIssued, "status", ""),
        ("the tunnel is back up", "1759944700000", MessageReceived, "the tunnel is back up", ""),
    ],
)
def test_mentions_in_a_channel(text: str, root: str | None, kind: type, name_or_text: str, args: str) -> None:
    event = only(channel_message(text, root=root))
    assert isinstance(event, kind)
    assert event.conversation.thread == (root or "1759944781430")
    if isinstance(event, CommandIssued):
        assert (event.name, event.args) == (name_or_text, args)
    else:
        assert event.text == name_or_text


def test_other_peoples_mentions_stay_as_names() -> None:
    pat = {"type": "mention", "text": "<at>Pat Q</at>", "mentioned": {"id": "29:pat", "name": "Pat Q"}}
    body = channel_message("note asked <at>Pat Q</at> to reboot", root="17599447")
    body["entities"].append(pat)
    assert only(body).args == "asked @Pat Q to reboot"


def test_a_bot_mention_without_text_in_its_entity_is_still_removed() -> None:
    body = channel_message("status")
    del body["entities"][0]["text"]  # Teams omits it for some display names
    assert only(body).name == "status"


def test_thread_reply_without_mention_is_a_note() -> None:
    body = channel_message("checked the switch port", root="1759944700000", mention_bot=False, id="1759944790000")
    event = only(body)
    assert isinstance(event, MessageReceived)
    assert (event.text, event.conversation.thread) == ("checked the switch port", "1759944700000")


@pytest.mark.parametrize(
    "body",
    [
        channel_message("hello team", mention_bot=False),  # a top-level channel post not for us
        channel_message("", root="1759944700000", mention_bot=False),  # an empty reply (an attachment)
        group_message("lunch?", mention_bot=False),
        personal_message(""),
        {**personal_message("echo"), "from": BOT, "recipient": DANA},  # a bot's message
        {**personal_message("echo"), "from": {"id": "29:x", "name": "Flow", "role": "bot"}},
        {**personal_message("x"), "type": "typing"},
        {**personal_message("x"), "type": "messageReaction"},
    ],
)
def test_ignored_activities(body: dict[str, Any]) -> None:
    result = run(body)
    assert result.events == () and not result.error and not result.notice


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("start vpn", "start", "vpn"),
        ("help", "help", ""),
        ("my printer is on fire", "pilot", "my printer is on fire"),
        ("admin psa", "admin", "psa"),  # Teams has no slash command: admin commands are reached this way
        ("Admin", "admin", ""),
        ("admin members set dana dtech", "admin", "members set dana dtech"),
        ("admin escalation-channel off", "admin", "escalation-channel off"),
        ("admin account locked out", "pilot", "admin account locked out"),  # a sentence, not a command
    ],
)
def test_personal_chat_needs_no_mention_and_has_no_threads(text: str, name: str, args: str) -> None:
    event = only(personal_message(text))
    assert isinstance(event, CommandIssued) and (event.name, event.args) == (name, args)
    assert event.conversation == ConversationRef(
        "teams", PERSONAL, "", {"tenant": TENANT, "service_url": SERVICE_URL, "message_id": "1759944790001"}
    )


def test_group_chat_mention() -> None:
    event = only(group_message("outlook keeps crashing"))
    assert isinstance(event, CommandIssued) and (event.name, event.args) == ("pilot", "outlook keeps crashing")
    assert (event.conversation.channel, event.conversation.thread) == (GROUP, "")


def test_non_breaking_spaces_after_a_mention() -> None:
    body = personal_message("start\xa0vpn")
    assert (only(body).name, only(body).args) == ("start", "vpn")


def button_data(action: ActionId = ActionId.CHOOSE, value: str = "yes", **kw: Any) -> dict[str, Any]:
    return ids.ButtonData("sess-1", 4, value, **kw).to_data(action)


def test_execute_on_a_button_is_a_press_in_the_cards_thread() -> None:
    result = run(execute("rf.choose", button_data()))
    assert result.invoke and result.card_id == "1759944800000" and not result.error
    (event,) = result.events
    assert event == ButtonPressed(
        team_id=OURS,
        actor=ACTOR,
        conversation=ConversationRef("teams", CHANNEL, CARD, {**CHANNEL_EXTRAS, "message_id": CARD}),
        at=AT,
        event_id=event.event_id,
        action=ActionId.CHOOSE,
        session_id="sess-1",
        state_version=4,
        value="yes",
    )
    assert event.event_id.startswith("teams:act:f:7a1c2b3d-invoke-0001:")


def test_execute_on_a_card_inside_a_thread_keeps_the_threads_root() -> None:
    conversation = {"id": f"{CHANNEL};messageid=1700", "conversationType": "channel", "tenantId": TENANT}
    event = only(execute("rf.done", button_data(ActionId.DONE, "ok"), conversation=conversation))
    assert event.conversation.thread == "1700" and event.conversation.extras["message_id"] == "1759944800000"


def test_select_submit_carries_the_picked_option() -> None:
    data = {**button_data(ActionId.START_FLOW, input_id="rf.pick.0"), "rf.pick.0": "vpn"}
    event = only(execute("rf.start_flow", data))
    assert (event.action, event.value) == (ActionId.START_FLOW, "vpn")


def test_select_submit_without_a_pick_asks_to_pick() -> None:
    result = run(execute("rf.start_flow", button_data(ActionId.START_FLOW, input_id="rf.pick.0")))
    assert result.events == () and not result.error
    assert result.notice == texts.PICK_FIRST.format(label=texts.CHOOSE)


def test_home_card_clicks_carry_no_conversation() -> None:
    body = execute("rf.resume", button_data(ActionId.RESUME, "", home=True), conversation=PERSONAL_CONVERSATION)
    event = only(body)
    assert (event.conversation.channel, event.conversation.thread) == ("", "")
    assert event.conversation.extras["tenant"] == TENANT


def test_form_submission_answers_where_the_form_says() -> None:
    data = {
        **ids.FormData("sess-1", 5, CHANNEL, "1759944781430").to_data(FormId.RESOLVE),
        "rf.in.summary": "Rebooted the router",
        "rf.in.minutes": "20",
    }
    result = run(execute("rf.form.resolve", data, conversation=PERSONAL_CONVERSATION))  # the form was in a 1:1 chat
    (event,) = result.events
    assert event == FormSubmitted(
        team_id=OURS,
        actor=ACTOR,
        conversation=ConversationRef(
            "teams",
            CHANNEL,
            "1759944781430",
            {"tenant": TENANT, "service_url": SERVICE_URL, "team": TEAM, "message_id": "1759944800000"},
        ),
        at=AT,
        event_id=event.event_id,
        form=FormId.RESOLVE,
        session_id="sess-1",
        state_version=5,
        values={"summary": "Rebooted the router", "minutes": "20"},
    )
    assert event.event_id.startswith("teams:form:")


def test_form_cancel_is_dismissed_without_events() -> None:
    result = run(execute(ids.DISMISS, ids.dismiss_data()))
    assert result.dismissed and result.events == () and result.card_id == "1759944800000" and result.invoke


def test_action_submit_from_older_clients_reads_the_same() -> None:
    result = run(submit(button_data(ActionId.DONE, "ok")))
    assert not result.invoke and result.card_id == "1759944800000"
    (event,) = result.events
    assert isinstance(event, ButtonPressed) and (event.action, event.value) == (ActionId.DONE, "ok")
    assert (event.conversation.channel, event.conversation.thread) == (PERSONAL, "")


def _tampered() -> list[dict[str, Any]]:
    wrong_version = button_data()
    wrong_version["rf"]["v"] = 2
    swapped = execute("rf.abandon", button_data())  # verb changed, data's copy not
    submit_type = execute("rf.choose", button_data())
    submit_type["value"]["action"]["type"] = "Action.Submit"
    other_invoke = {**execute("rf.choose", button_data()), "name": "composeExtension/query"}
    no_from = execute("rf.choose", button_data())
    del no_from["from"]
    return [
        execute("rf.choose", wrong_version),
        swapped,
        execute("rf.nope", {"verb": "rf.nope", "rf": {"v": 1}}),
        execute("rf.choose", "not an object"),
        submit_type,
        other_invoke,
        no_from,
        submit({"verb": "rf.choose", "rf": {"v": 1, "s": "x"}}),
    ]


@pytest.mark.parametrize("body", _tampered())
def test_forged_or_foreign_card_actions_give_an_error_result(body: dict[str, Any]) -> None:
    result = run(body)
    assert result.events == () and result.error and result.notice == texts.UNREADABLE


@pytest.mark.parametrize(
    "body",
    [{"type": 5}, {"type": "message", "from": "nobody"}, {**personal_message("hi"), "id": None}],
)
def test_unreadable_payloads_give_an_error_result(body: dict[str, Any]) -> None:
    result = run(body)
    assert result.events == () and result.error and not result.notice


def test_installation_in_personal_chat_opens_home() -> None:
    body = personal_message("", type="installationUpdate", action="add", id="f:install-1")
    del body["text"]
    event = only(body)
    assert isinstance(event, HomeOpened)
    assert (event.conversation.channel, event.actor) == (PERSONAL, ACTOR)
    assert event.event_id.startswith("teams:install:f:install-1:")


def test_home_typed_to_the_bot_opens_home_anywhere() -> None:
    event = only(personal_message("Home"))
    assert isinstance(event, HomeOpened) and event.actor == ACTOR and event.event_id.startswith("teams:home:")
    assert isinstance(only(channel_message("home")), HomeOpened)
    assert isinstance(only(personal_message("home directory is missing")), CommandIssued)  # a question


def test_team_installs_and_member_updates_give_no_event_but_a_reference() -> None:
    added = channel_message("", type="conversationUpdate", membersAdded=[BOT], id="f:update-1")
    installed = channel_message("", type="installationUpdate", action="add", id="f:install-2")
    removed = personal_message("", type="installationUpdate", action="remove", id="f:install-3")
    for body in (added, installed, removed):
        result = run(body)
        assert result.events == () and not result.error
        assert result.reference["serviceUrl"] == SERVICE_URL


def test_event_ids_are_stable_and_distinct_per_conversation() -> None:
    first = only(channel_message("status"))
    again = only(copy.deepcopy(channel_message("status")))
    elsewhere = only(personal_message("status", activity_id="1759944781430"))
    assert first.event_id == again.event_id != elsewhere.event_id


def test_accepts_an_sdk_activity_too() -> None:
    activity = translate.parse(personal_message("help"))
    assert translate.translate(activity, OURS, AT).events[0].name == "help"


def test_tenant_of() -> None:
    body = channel_message("x")
    assert translate.tenant_of(body) == TENANT
    assert translate.tenant_of(translate.parse(body)) == TENANT
    del body["channelData"]["tenant"]
    assert translate.tenant_of(body) == TENANT  # from conversation.tenantId
    assert translate.tenant_of(translate.parse(body)) == TENANT
    del body["conversation"]["tenantId"]
    assert translate.tenant_of(body) == "" == translate.tenant_of(translate.parse(body))

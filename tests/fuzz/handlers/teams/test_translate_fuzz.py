"""Any Teams activity — a realistic one with parts dropped or replaced at any depth, or random JSON — translates to
well-formed engine events (or none) or to an error result: ``translate`` never raises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from bot.engine.events import ActionId, ButtonPressed, CommandIssued, FormId, FormSubmitted
from bot.handlers.teams import ids, translate
from tests.fuzz.strategies import json_values, mutated_mapping, texts
from tests.unit.handlers.teams.payloads import (
    PERSONAL_CONVERSATION,
    channel_message,
    execute,
    group_message,
    personal_message,
    submit,
)

AT = datetime(2025, 10, 8, 17, 33, tzinfo=UTC)
BUTTON = ids.ButtonData("sess-1", 4, "yes").to_data(ActionId.CHOOSE)
FORM = ids.FormData("sess-1", 7, "C1", "1700000000.000100").to_data(FormId.RESOLVE)
ACTIVITIES = (
    channel_message("start vpn #12345"),
    personal_message("help"),
    group_message("status"),
    execute(BUTTON["verb"], BUTTON),
    execute(FORM["verb"], FORM | {"summary": "done"}, conversation=PERSONAL_CONVERSATION),
    submit(BUTTON),
    personal_message("home"),
    {**personal_message(""), "type": "installationUpdate", "action": "add"},
)

activities = st.one_of(*[mutated_mapping(a) for a in ACTIVITIES], st.dictionaries(texts, json_values, max_size=6))


@given(activities)
@example({"channelId": ""}).via("found: the SDK raised TypeError (not ValueError) for an empty channelId")
def test_any_activity_translates_or_gives_an_error_result(body: dict[str, Any]) -> None:
    result = translate.translate(body, "team-ours", AT)
    assert isinstance(result, translate.Translated)
    if result.error:
        assert not result.events
    for event in result.events:
        assert event.team_id == "team-ours" and event.event_id.startswith("teams:")
        assert isinstance(event.actor.platform_user_id, str) and event.actor.platform_user_id
        assert isinstance(event.conversation.channel, str) and isinstance(event.conversation.thread, str)
        if isinstance(event, ButtonPressed | FormSubmitted):
            assert isinstance(event.session_id, str) and isinstance(event.state_version, int)
        if isinstance(event, FormSubmitted):
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.values.items())
        if isinstance(event, CommandIssued):
            assert isinstance(event.args, str)
    assert isinstance(translate.tenant_of(body), str)


@given(st.text(max_size=40) | st.none(), json_values)
def test_card_data_parses_or_is_refused(verb: str | None, data: Any) -> None:
    try:
        action = ids.parse_action(verb, data)
    except ids.BadPayload:
        return
    assert isinstance(action.choice(), str)

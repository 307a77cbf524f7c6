"""The Slack driver sends requests that slack_sdk's SignatureVerifier accepts, shaped like Slack's own."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver, buttons_in, find_button

SECRET = "shhh-signing-secret"


async def _echo(request: web.Request) -> web.Response:
    """A stand-in app: verify like bolt does, then echo what arrived."""
    raw = await request.read()
    headers = {k.lower(): v for k, v in request.headers.items()}
    if not SignatureVerifier(SECRET).is_valid_request(raw, headers):
        return web.json_response({"error": "invalid request"}, status=401)
    body: Any = json.loads(raw) if request.content_type == "application/json" else dict(parse_qsl(raw.decode()))
    if isinstance(body, dict) and "payload" in body:
        body = json.loads(body["payload"])
    if isinstance(body, dict) and body.get("type") == "url_verification":
        return web.json_response({"challenge": body["challenge"]})
    retry = {k: v for k, v in headers.items() if k.startswith("x-slack-retry")}
    return web.json_response({"content_type": request.content_type, "body": body, "retry": retry})


@pytest.fixture
async def driver() -> AsyncIterator[SlackDriver]:
    app = web.Application()
    app.router.add_post("/slack/events", _echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with FakeSlackApi() as api, SlackDriver(f"http://{host}:{port}", SECRET, api) as slack:
            yield slack
    finally:
        await runner.cleanup()


async def test_slash_command_is_signed_form_with_response_url(driver: SlackDriver) -> None:
    status, reply = await driver.slash_command("ticket 12345", user_id="U5", channel_id="C9")
    assert status == 200 and reply["content_type"] == "application/x-www-form-urlencoded"
    form = reply["body"]
    assert (form["command"], form["text"], form["user_id"], form["channel_id"]) == ("/rf", "ticket 12345", "U5", "C9")
    assert form["team_id"] == "T1" and form["trigger_id"] == driver.last_trigger_id
    assert driver.api is not None
    assert form["response_url"] == driver.api.url_for_response(driver.last_response_id)


async def test_block_action_carries_the_posted_message(driver: SlackDriver) -> None:
    assert driver.api is not None
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Is it plugged in?"}},
        {
            "type": "actions",
            "block_id": "step",
            "elements": [
                {
                    "type": "button",
                    "action_id": "yes",
                    "value": "s1:yes",
                    "text": {"type": "plain_text", "text": "Yes"},
                },
                {"type": "button", "action_id": "no", "value": "s1:no", "text": {"type": "plain_text", "text": "No"}},
            ],
        },
    ]
    ts = driver.api.add_message("T1", "C1", "parent", "U1")
    driver.api.workspaces["T1"].messages[("C1", ts)]["blocks"] = blocks
    button = find_button(blocks, "No")
    assert [b["action_id"] for b in buttons_in(blocks)] == ["yes", "no"] and button["value"] == "s1:no"

    status, reply = await driver.block_action(
        button["action_id"], button["value"], user_id="U1", channel_id="C1", message_ts=ts, thread_ts=ts, retry_num=1
    )
    payload = reply["body"]
    assert status == 200 and payload["type"] == "block_actions"
    assert payload["actions"][0] | {"action_ts": ""} == {
        "action_id": "no",
        "block_id": "actions",
        "action_ts": "",
        "type": "button",
        "value": "s1:no",
        "text": {"type": "plain_text", "text": "s1:no", "emoji": True},
    }
    assert payload["container"]["message_ts"] == ts and payload["channel"]["id"] == "C1"
    assert payload["message"]["blocks"] == blocks and payload["message"]["thread_ts"] == ts
    assert reply["retry"] == {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    with pytest.raises(AssertionError, match="Maybe"):
        find_button(blocks, "Maybe")


async def test_select_and_view_submission(driver: SlackDriver) -> None:
    _, reply = await driver.block_action(
        "pick", "", user_id="U1", channel_id="C1", message_ts="1.1", selected_option="p2"
    )
    assert reply["body"]["actions"][0]["selected_option"]["value"] == "p2"
    status, reply = await driver.view_submission("close_ticket", '{"id": 7}', {"summary": "fixed"}, user_id="U2")
    view = reply["body"]["view"]
    assert status == 200 and reply["body"]["type"] == "view_submission"
    assert (view["callback_id"], view["private_metadata"]) == ("close_ticket", '{"id": 7}')
    assert view["state"]["values"]["summary"]["value"] == {"type": "plain_text_input", "value": "fixed"}


async def test_events_envelope_and_retries(driver: SlackDriver) -> None:
    status, reply = await driver.event({"type": "reaction_added"}, event_id="Ev1", retry_num=2)
    envelope = reply["body"]
    assert status == 200 and reply["content_type"] == "application/json"
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev1"
    assert envelope["authorizations"][0]["user_id"] == "UBOT" and isinstance(envelope["event_time"], int)
    assert reply["retry"]["x-slack-retry-num"] == "2"

    _, reply = await driver.message_in_thread("still broken", "C1", "1700000000.000100", "U3")
    event = reply["body"]["event"]
    assert (event["type"], event["thread_ts"], event["parent_user_id"]) == ("message", "1700000000.000100", "UBOT")
    assert reply["retry"] == {}
    _, reply = await driver.app_mention("help", "C1", "U3")
    assert reply["body"]["event"]["text"] == "<@UBOT> help"
    _, reply = await driver.app_home_opened("U3")
    assert reply["body"]["event"]["tab"] == "home"
    assert await driver.url_verification("abc") == (200, {"challenge": "abc"})


async def test_bad_signatures_are_rejected(driver: SlackDriver) -> None:
    body = b'{"type": "event_callback"}'
    assert (await driver.raw(body, "application/json")).status == 200
    stale = str(int(time.time()) - 600)
    assert (await driver.raw(body, "application/json", timestamp=stale)).status == 401
    assert (await driver.raw(body, "application/json", signature="v0=" + "0" * 64)).status == 401


async def test_home_action_clicks_the_published_home_view(driver: SlackDriver) -> None:
    assert driver.api is not None
    driver.api.home["U3"] = {"id": "VH1", "hash": "1.h", "type": "home", "blocks": []}
    status, reply = await driver.home_action("rf.resume.0", '{"v":1}', user_id="U3")
    payload = reply["body"]
    assert status == 200 and payload["type"] == "block_actions"
    assert payload["container"] == {"type": "view", "view_id": "VH1"} and payload["view"]["type"] == "home"
    assert "channel" not in payload and "message" not in payload and "response_url" not in payload
    assert payload["actions"][0]["value"] == '{"v":1}' and payload["trigger_id"] == driver.last_trigger_id


async def test_unsigned_requests_carry_no_signature(driver: SlackDriver) -> None:
    assert (await driver.url_verification("abc", signed=False)).status == 401

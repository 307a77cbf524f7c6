"""The fake Slack Web API answers the real slack_sdk clients (async and sync) the way Slack does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackApi

TOKEN = "xoxb-test-T1"
MODAL = {"type": "modal", "callback_id": "cb", "title": {"type": "plain_text", "text": "T"}, "blocks": []}


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as fake:
        yield fake


def client(api: FakeSlackApi, token: str = TOKEN) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=api.base_url + "/api/")


async def test_post_update_delete_keep_current_content(api: FakeSlackApi) -> None:
    web = client(api)
    first = await web.chat_postMessage(channel="C1", text="hello")
    second = await web.chat_postMessage(channel="C1", text="reply", thread_ts=first["ts"])
    assert first["channel"] == "C1" and first["message"]["text"] == "hello"
    assert second["message"]["thread_ts"] == first["ts"]
    assert first["ts"] < second["ts"] and first["ts"].startswith("1700000000.")

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*done*"}}]
    updated = await web.chat_update(channel="C1", ts=first["ts"], text="done", blocks=blocks)
    assert updated["message"]["blocks"] == blocks
    assert api.messages[("C1", first["ts"])]["text"] == "done"
    assert [p["text"] for p in api.posted(channel="C1")] == ["hello", "reply"]
    assert [p["ts"] for p in api.posted(thread_ts=first["ts"])] == [second["ts"]]
    assert api.updates()[0]["ts"] == first["ts"]

    await web.chat_delete(channel="C1", ts=second["ts"])
    assert ("C1", second["ts"]) not in api.messages
    with pytest.raises(SlackApiError) as err:
        await web.chat_update(channel="C1", ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"


async def test_validation_errors_match_slack(api: FakeSlackApi) -> None:
    web = client(api)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"channel": "", "text": "x"}, "channel_not_found"),
        ({"channel": "C1", "text": ""}, "no_text"),
        ({"channel": "C1", "text": "x", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
    ]
    for kwargs, error in cases:
        with pytest.raises(SlackApiError) as err:
            await web.api_call("chat.postMessage", json=kwargs)  # the SDK method would warn about the missing text
        assert err.value.response["error"] == error
    assert len(api.method_calls("chat.postMessage")) == 3 and api.posted() == []


async def test_ephemeral_and_dm_and_users(api: FakeSlackApi) -> None:
    web = client(api)
    api.add_user("T1", "U7", "Dana Tech", "dana@example.com")
    eph = await web.chat_postEphemeral(channel="C1", user="U7", text="only you")
    assert eph["message_ts"] and api.ephemerals()[0]["user"] == "U7"
    dm = await web.conversations_open(users="U7")
    assert dm["channel"]["id"].startswith("D")
    info = await web.users_info(user="U7")
    assert info["user"]["profile"]["email"] == "dana@example.com" and info["user"]["real_name"] == "Dana Tech"
    with pytest.raises(SlackApiError, match="user_not_found"):
        await web.users_info(user="U404")


async def test_views_trigger_is_single_use_and_update_checks_hash(api: FakeSlackApi) -> None:
    web = client(api)
    opened = await web.views_open(trigger_id="trig-1", view=MODAL)
    assert opened["view"]["id"] and opened["view"]["hash"] and opened["view"]["callback_id"] == "cb"
    with pytest.raises(SlackApiError) as err:
        await web.views_open(trigger_id="trig-1", view=MODAL)
    assert err.value.response["error"] == "trigger_exchanged"
    assert len(api.views_opened()) == 1

    view_id, view_hash = opened["view"]["id"], opened["view"]["hash"]
    updated = await web.views_update(view_id=view_id, hash=view_hash, view=MODAL)
    assert updated["view"]["hash"] != view_hash
    with pytest.raises(SlackApiError, match="hash_conflict"):
        await web.views_update(view_id=view_id, hash=view_hash, view=MODAL)

    await web.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert api.home_views()[0]["user_id"] == "U1" and api.home["U1"]["type"] == "home"


async def test_conversations_replies_uses_get_and_returns_the_thread(api: FakeSlackApi) -> None:
    web = client(api)
    parent = api.add_message("T1", "C1", "printer broken", user="U1")
    await web.chat_postMessage(channel="C1", text="on it", thread_ts=parent)
    await web.chat_postMessage(channel="C1", text="unrelated")
    replies = await web.conversations_replies(channel="C1", ts=parent)
    assert [m["text"] for m in replies["messages"]] == ["printer broken", "on it"]
    assert api.calls_to("conversations.replies")[-1].method == "GET"
    with pytest.raises(SlackApiError, match="cant_update_message"):
        await web.chat_update(channel="C1", ts=parent, text="edited")


async def test_rate_limit_is_retried_by_the_sdk_handler(api: FakeSlackApi) -> None:
    web = client(api)
    web.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    api.fail_next("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    result = await web.chat_postMessage(channel="C1", text="eventually")
    assert result["ok"]
    assert len(api.calls_to("/api/chat.postMessage")) == 2 and len(api.posted()) == 1


async def test_scripted_429_surfaces_without_retry_handler(api: FakeSlackApi) -> None:
    api.fail_next("auth.test", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})
    with pytest.raises(SlackApiError) as err:
        await client(api).auth_test()
    assert err.value.response.status_code == 429 and err.value.response.headers["Retry-After"] == "30"


async def test_auth_is_required(api: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as err:
        await client(api, "xoxb-nope").chat_postMessage(channel="C1", text="x")
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await AsyncWebClient(base_url=api.base_url + "/api/").auth_test()
    with pytest.raises(SlackApiError, match="unknown_method"):
        await client(api).api_call("nope.nothing")
    assert api.posted() == []


async def test_auth_test_reports_identity_and_scopes(api: FakeSlackApi) -> None:
    result = await client(api).auth_test()
    assert (result["team_id"], result["user_id"], result["team"]) == ("T1", "UBOT", "Acme")
    assert "chat:write" in result.headers["x-oauth-scopes"]


async def test_oauth_v2_access_installs_a_workspace(api: FakeSlackApi) -> None:
    api.add_oauth_code("code-1", "T2", "Globex", "xoxb-test-T2", bot_user_id="UBOT2")
    # The sync client, as bolt's OAuthFlow uses (AsyncWebClient.oauth_v2_access trips aiohttp 3.14's BasicAuth
    # DeprecationWarning, which filterwarnings=error turns into a failure).
    anon = WebClient(base_url=api.base_url + "/api/")

    def exchange(code: str, secret: str = "csecret") -> SlackResponse:
        return anon.oauth_v2_access(client_id="cid", client_secret=secret, code=code)

    result = await asyncio.to_thread(exchange, "code-1")
    assert result["access_token"] == "xoxb-test-T2" and result["team"] == {"id": "T2", "name": "Globex"}
    assert result["bot_user_id"] == "UBOT2" and result["token_type"] == "bot"
    assert api.calls_to("oauth.v2.access")[0].headers["authorization"].startswith("Basic ")
    assert (await client(api, "xoxb-test-T2").auth_test())["team_id"] == "T2"
    with pytest.raises(SlackApiError, match="invalid_code"):
        await asyncio.to_thread(exchange, "code-1")
    with pytest.raises(SlackApiError, match="bad_client_secret"):
        await asyncio.to_thread(exchange, "code-2", "wrong")


async def test_sync_web_client_posts_json_and_forms(api: FakeSlackApi) -> None:
    sync = WebClient(token=TOKEN, base_url=api.base_url + "/api/")
    posted = await asyncio.to_thread(sync.chat_postMessage, channel="C9", text="from sync")
    replies = await asyncio.to_thread(sync.conversations_replies, channel="C9", ts=posted["ts"])
    assert replies["messages"][0]["text"] == "from sync"
    methods = [(c.method, c.headers["content-type"].split(";")[0]) for c in api.calls]
    assert methods == [("POST", "application/json"), ("POST", "application/x-www-form-urlencoded")]


async def test_response_url_records_posts_and_wait_for(api: FakeSlackApi) -> None:
    api.delay_next("/response/r1", 0.05)
    async with aiohttp.ClientSession() as session:

        async def post() -> int:
            async with session.post(api.url_for_response("r1"), json={"text": "hi", "replace_original": True}) as resp:
                return resp.status

        task = asyncio.create_task(post())
        call = await api.wait_for(lambda c: c.path == "/response/r1")
        assert await task == 200
    assert call.json == {"text": "hi", "replace_original": True}
    assert api.responses("r1") == [{"text": "hi", "replace_original": True}]

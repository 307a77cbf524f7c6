"""The fake Bot Connector answers the Agents SDK's own connector clients the way Teams does, and accepts exactly the
tokens the fake Entra issued to real msal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    Mention,
)
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import AgentAuthConfiguration, CardFactory
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import APP_ID, APP_SECRET, BOT_FRAMEWORK, TENANT_ID, FakeEntra
from tests.fakes.teams_roster import DANA, ESCALATIONS, PAT, TEAM_ID

THREAD = f"{TEAM_ID};messageid=1699999999999"
SCOPES = [f"{BOT_FRAMEWORK}/.default"]


def card(title: str) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": title}]}


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector() as fake:
        yield fake


@pytest.fixture
async def entra(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeEntra]:
    async with FakeEntra() as fake:
        fake.patch_sdk(monkeypatch)
        yield fake


@asynccontextmanager
async def sdk_client(connector: FakeBotConnector, token: str = "") -> AsyncIterator[TeamsConnectorClient]:
    client = TeamsConnectorClient(connector.service_url, token)
    try:
        yield client
    finally:
        await client.close()


async def test_send_reply_update_delete_keep_current_content(connector: FakeBotConnector) -> None:
    async with sdk_client(connector) as client:
        ops = client.conversations
        hello = Activity(type="message", text="hello", conversation=ConversationAccount(id=THREAD))
        first = await ops.send_to_conversation(THREAD, hello)
        reply = await ops.reply_to_activity(
            THREAD, first.id, Activity(type="message", attachments=[CardFactory.adaptive_card(card("Step 1"))])
        )
        assert first.id.isdigit() and int(first.id) < int(reply.id)
        call = connector.calls_for("reply")[0]
        assert (call.conversation_id, call.activity_id, call.status) == (THREAD, first.id, 201)
        assert ";messageid=" in connector.calls[-1].path  # the SDK sends ids raw; the fake decodes either way
        assert connector.last_card(THREAD) == card("Step 1") and connector.last_card("19:other@thread.tacv2") is None

        await ops.update_activity(
            THREAD, reply.id, Activity(type="message", attachments=[CardFactory.adaptive_card(card("Done"))])
        )
        assert connector.last_card() == card("Done") and connector.updates(TEAM_ID)[0]["id"] == reply.id
        assert FakeBotConnector.cards_in(connector.message(reply.id) or {}) == [card("Done")]

        await ops.delete_activity(THREAD, first.id)
        assert connector.message(first.id) is None and connector.deleted() == [(THREAD, first.id)]
        with pytest.raises(aiohttp.ClientResponseError) as err:
            await ops.update_activity(THREAD, "1", Activity(type="message", text="x"))
        assert err.value.status == 404
    assert [a["text"] for a in connector.sent(TEAM_ID) if a.get("text")] == ["hello"]
    assert [a["id"] for a in connector.sent(THREAD)] == [first.id, reply.id]


async def test_percent_encoded_ids_are_decoded(connector: FakeBotConnector) -> None:
    url = f"{connector.service_url}v3/conversations/{quote(THREAD, safe='')}/activities"
    async with aiohttp.ClientSession() as http, http.post(url, json={"type": "typing"}) as resp:
        assert resp.status == 201 and (await resp.json())["id"]
    assert connector.log[-1].conversation_id == THREAD
    assert connector.sent(THREAD) == [] and len(connector.sent(THREAD, activity_type=None)) == 1
    async with aiohttp.ClientSession() as http, http.get(f"{connector.service_url}v2/nothing") as resp:
        assert resp.status == 404 and (await resp.json())["error"]["code"] == "NotFound"


async def test_create_conversation_starts_a_channel_thread_or_a_personal_chat(connector: FakeBotConnector) -> None:
    bot = ChannelAccount(id=connector.bot_id, name="ResolutionFlow")
    ping = Activity(
        type="message",
        text="<at>Pat Lead</at> please look",
        entities=[Mention(mentioned=ChannelAccount(id=PAT.id, name=PAT.name), text="<at>Pat Lead</at>")],
    )
    async with sdk_client(connector) as client:
        ops = client.conversations
        params = ConversationParameters(
            is_group=True, agent=bot, channel_data={"channel": {"id": ESCALATIONS}}, activity=ping, tenant_id=TENANT_ID
        )
        made = await ops.create_conversation(params)
        assert made.id == f"{ESCALATIONS};messageid={made.activity_id}" and made.service_url == connector.service_url
        body = connector.calls_for("create")[0].body
        assert body["bot"]["id"] == connector.bot_id and body["isGroup"] is True and body["tenantId"] == TENANT_ID
        [posted] = connector.sent(ESCALATIONS)
        assert posted["id"] == made.activity_id and posted["entities"][0]["mentioned"]["id"] == PAT.id

        personal = ConversationParameters(is_group=False, agent=bot, members=[ChannelAccount(id=DANA.id)])
        personal.tenant_id = TENANT_ID
        one = await ops.create_conversation(personal)
        again = await ops.create_conversation(personal)
        assert one.id == again.id == connector.personal_conversation_id(DANA.id) and one.activity_id is None
        assert one.id.startswith("a:1")

        for bad, status in [
            (ConversationParameters(is_group=False, agent=bot, members=[ChannelAccount(id=DANA.id)]), 400),
            (ConversationParameters(is_group=True, channel_data={"channel": {"id": "19:x@thread.tacv2"}}), 404),
        ]:
            with pytest.raises(aiohttp.ClientResponseError) as err:
                await ops.create_conversation(bad)
            assert err.value.status == status


async def test_members_paged_members_and_team_details(connector: FakeBotConnector) -> None:
    async with sdk_client(connector) as client:
        member = await client.get_conversation_member(TEAM_ID, DANA.id)
        assert (member.email, member.user_principal_name) == (DANA.email, DANA.email)
        assert member.aad_object_id == DANA.aad_object_id
        assert (member.given_name, member.surname, member.tenant_id) == ("Dana", "Tech", TENANT_ID)
        assert (await client.get_conversation_member(THREAD, PAT.aad_object_id)).id == PAT.id
        with pytest.raises(aiohttp.ClientResponseError) as err:
            await client.get_conversation_member(TEAM_ID, "29:nobody")
        assert err.value.status == 404

        members = await client.conversations.get_conversation_members(THREAD)
        assert [m.id for m in members] == [DANA.id, PAT.id]
        page = await client.get_conversation_paged_member(TEAM_ID, 1, "")
        assert [m.id for m in page.members] == [DANA.id] and page.continuation_token
        rest = await client.get_conversation_paged_member(TEAM_ID, 1, page.continuation_token)
        assert [m.id for m in rest.members] == [PAT.id] and rest.continuation_token is None
        everyone = await client.conversations.get_conversation_paged_members(TEAM_ID, page_size=50)
        assert len(everyone.members) == 2

        details = await client.fetch_team_details(TEAM_ID)
        assert (details.id, details.name) == (TEAM_ID, "IT Ops") and details.aad_group_id
        channels = await client.fetch_channel_list(TEAM_ID)
        assert [(c.id, c.name) for c in channels] == [(TEAM_ID, None), (ESCALATIONS, "Escalations")]
        chat = connector.personal_conversation_id(DANA.id)
        assert [m.id for m in await client.conversations.get_conversation_members(chat)] == [DANA.id]
    assert [c.op for c in connector.log[:3]] == ["member", "member", "member"]


async def test_tokens_come_from_fake_entra_through_real_msal(entra: FakeEntra) -> None:
    auth = MsalAuth(AgentAuthConfiguration(client_id=APP_ID, tenant_id=TENANT_ID, client_secret=APP_SECRET))
    token = await auth.get_access_token(BOT_FRAMEWORK, SCOPES)
    assert await auth.get_access_token(BOT_FRAMEWORK, SCOPES) == token  # msal's cache: one token request
    assert entra.issued[token].client_id == APP_ID and len(entra.calls_to("/oauth2/v2.0/token")) == 1
    form = entra.calls_to("/oauth2/v2.0/token")[0].data
    assert (form["grant_type"], form["scope"], form["client_id"]) == ("client_credentials", SCOPES[0], APP_ID)
    assert entra.calls_to(f"/{TENANT_ID}/v2.0/.well-known/openid-configuration")

    async with FakeBotConnector(entra) as connector:
        for header_token, status in [(token, 201), ("", 401), ("not-a-token", 401)]:
            async with sdk_client(connector, header_token) as client:
                try:
                    await client.conversations.send_to_conversation(THREAD, Activity(type="message", text="hi"))
                except aiohttp.ClientResponseError as err:
                    assert err.status == status
            assert connector.log[-1].status == status
        assert connector.log[0].authorization == f"Bearer {token}" and connector.log[1].authorization == ""
        entra.revoke_all()
        async with sdk_client(connector, token) as client:
            with pytest.raises(aiohttp.ClientResponseError, match="Authorization has been denied"):
                await client.conversations.send_to_conversation(THREAD, Activity(type="message", text="hi"))

    wrong = MsalAuth(AgentAuthConfiguration(client_id=APP_ID, tenant_id=TENANT_ID, client_secret="nope"))
    with pytest.raises(ValueError, match="invalid_client"):
        await wrong.get_access_token(BOT_FRAMEWORK, SCOPES)


async def test_throttling_server_errors_size_limit_and_removed_bot(connector: FakeBotConnector) -> None:
    message = Activity(type="message", text="hi")
    connector.throttle(times=2, retry_after=3)
    connector.fail(502, ops=frozenset({"update"}))
    async with sdk_client(connector) as client:
        ops = client.conversations
        for _ in range(2):
            with pytest.raises(aiohttp.ClientResponseError) as err:
                await ops.send_to_conversation(THREAD, message)
            assert err.value.status == 429 and err.value.headers is not None and err.value.headers["Retry-After"] == "3"
        sent = await ops.send_to_conversation(THREAD, message)
        with pytest.raises(aiohttp.ClientResponseError) as err:
            await ops.update_activity(THREAD, sent.id, message)
        assert err.value.status == 502
        await ops.update_activity(THREAD, sent.id, message)

        with pytest.raises(aiohttp.ClientResponseError) as err:
            await ops.send_to_conversation(THREAD, Activity(type="message", text="x" * 60_000))  # 120 KB as UTF-16
        assert err.value.status == 413 and "MessageSizeTooBig" in err.value.message
        await ops.send_to_conversation(THREAD, Activity(type="message", text="x" * 40_000))

        connector.remove_bot(TEAM_ID)
        with pytest.raises(aiohttp.ClientResponseError) as err:
            await ops.send_to_conversation(f"{ESCALATIONS};messageid=1", message)
        assert err.value.status == 403 and "BotNotInConversationRoster" in err.value.message
    assert [c.status for c in connector.calls_for("send")] == [429, 429, 201, 413, 201, 403]
    assert len(connector.sent()) == 2

"""The Teams driver posts what Teams posts; its JWTs pass -- or, spoilt, fail -- the Agents SDK's own validator; and
the three fakes carry a real CloudAdapter + AgentApplication turn end to end (JWT in, msal token out)."""

from __future__ import annotations

import re
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
)
from microsoft_agents.activity.teams import TeamsChannelData
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    CardFactory,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import APP_ID, APP_SECRET, TENANT_ID, FakeEntra, TokenFlaw
from tests.fakes.teams_driver import TeamsDriver
from tests.fakes.teams_roster import DANA, ESCALATIONS, PAT, TEAM_ID

CONFIG = AgentAuthConfiguration(client_id=APP_ID, tenant_id=TENANT_ID, client_secret=APP_SECRET)
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Is it plugged in?"}]}


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture
async def entra(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeEntra]:
    async with FakeEntra() as fake:
        fake.patch_sdk(monkeypatch)
        yield fake


@pytest.fixture
async def connector(entra: FakeEntra) -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector(entra) as fake:
        yield fake


class Echo:
    """A stand-in bot: records each activity and Authorization header; answers invokes with 200 ``{"statusCode"}``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        activity = await request.json()
        self.received.append((activity, request.headers.get("Authorization", "")))
        if activity["type"] == "invoke":
            return web.json_response({"statusCode": 200}, status=200)
        return web.Response(status=202)

    @property
    def last(self) -> dict[str, Any]:
        return self.received[-1][0]


@pytest.fixture
async def echo(connector: FakeBotConnector, entra: FakeEntra) -> AsyncIterator[tuple[Echo, TeamsDriver]]:
    bot, app = Echo(), web.Application()
    app.router.add_post("/api/messages", bot.handle)
    runner, url = await serve(app)
    try:
        async with TeamsDriver(url, connector, entra) as driver:
            yield bot, driver
    finally:
        await runner.cleanup()


async def test_channel_message_is_what_teams_sends(echo: tuple[Echo, TeamsDriver], connector: FakeBotConnector) -> None:
    bot, driver = echo
    status, _ = await driver.channel_message("ticket 12345", PAT)
    activity = bot.last
    assert status == 202 and (activity["type"], activity["channelId"]) == ("message", "msteams")
    assert activity["serviceUrl"] == connector.service_url and activity["id"].isdigit()
    conversation = {"id": f"{TEAM_ID};messageid={activity['id']}", "conversationType": "channel", "isGroup": True}
    assert activity["conversation"] == conversation | {"tenantId": TENANT_ID}
    assert activity["from"] == PAT.account
    assert activity["recipient"] == {"id": connector.bot_id, "name": "ResolutionFlow"}
    assert activity["text"] == "<at>ResolutionFlow</at> ticket 12345" and "replyToId" not in activity
    assert activity["attachments"][0]["contentType"] == "text/html"
    parsed = Activity.model_validate(activity)
    assert parsed.is_recipient_mentioned() and parsed.get_mentions()[0].mentioned.id == connector.bot_id
    data = TeamsChannelData.model_validate(parsed.channel_data)
    assert (data.tenant.id, data.team.id, data.channel.id) == (TENANT_ID, TEAM_ID, TEAM_ID)

    await driver.channel_message("more detail", channel=ESCALATIONS, thread="1700000000123", mention=False)
    assert bot.last["conversation"]["id"] == f"{ESCALATIONS};messageid=1700000000123"
    assert bot.last["channelData"]["channel"]["id"] == ESCALATIONS and bot.last["text"] == "more detail"
    assert [e["type"] for e in bot.last["entities"]] == ["clientInfo"]
    first_id = bot.last["id"]
    await driver.resend()
    assert bot.last == bot.received[-2][0] and bot.last["id"] == first_id
    assert bot.received[-1][1].startswith("Bearer ey")  # with a freshly minted token


async def test_personal_group_and_installation_activities(
    echo: tuple[Echo, TeamsDriver], connector: FakeBotConnector
) -> None:
    bot, driver = echo
    await driver.personal_message("vpn is down", DANA)
    chat = connector.personal_conversation_id(DANA.id)
    assert bot.last["conversation"] == {"id": chat, "conversationType": "personal", "tenantId": TENANT_ID}
    assert bot.last["channelData"] == {"tenant": {"id": TENANT_ID}} and bot.last["text"] == "vpn is down"
    await driver.group_message("help", "19:chat-abc@thread.v2")
    assert bot.last["conversation"]["conversationType"] == "groupChat" and connector.chats["19:chat-abc@thread.v2"]

    await driver.bot_added()
    added = bot.last
    assert added["type"] == "conversationUpdate" and added["membersAdded"] == [{"id": connector.bot_id}]
    assert added["conversation"]["id"] == TEAM_ID and added["channelData"]["eventType"] == "teamMemberAdded"
    assert added["channelData"]["team"]["name"] == "IT Ops" and added["channelData"]["tenant"]["id"] == TENANT_ID
    await driver.bot_added(chat)
    assert bot.last["conversation"]["conversationType"] == "personal" and "eventType" not in bot.last["channelData"]
    await driver.installation_update(chat, "remove")
    assert (bot.last["type"], bot.last["action"]) == ("installationUpdate", "remove")


async def test_card_actions_reply_to_the_card(echo: tuple[Echo, TeamsDriver], connector: FakeBotConnector) -> None:
    bot, driver = echo
    thread = f"{TEAM_ID};messageid=1700000000500"
    card_activity = {"type": "message", "id": "1700000000501", "conversation": {"id": thread}}
    await driver.submit(card_activity, {"verb": "ack", "note": "done"})
    assert bot.last["type"] == "message" and bot.last["value"] == {"verb": "ack", "note": "done"}
    assert bot.last["replyToId"] == "1700000000501" and "text" not in bot.last
    assert bot.last["conversation"]["id"] == thread

    status, body = await driver.execute(card_activity, "close", {"session": "s1"}, PAT)
    invoke = bot.last
    assert (status, body) == (200, {"statusCode": 200})
    assert (invoke["type"], invoke["name"], invoke["replyToId"]) == ("invoke", "adaptiveCard/action", "1700000000501")
    value = AdaptiveCardInvokeValue.model_validate(invoke["value"])
    assert (value.action.type, value.action.verb, value.action.data) == ("Action.Execute", "close", {"session": "s1"})


async def test_authorization_headers(echo: tuple[Echo, TeamsDriver], entra: FakeEntra) -> None:
    bot, driver = echo
    await driver.personal_message("hi")
    claims = jwt.decode(bot.received[-1][1].removeprefix("Bearer "), options={"verify_signature": False})
    assert (claims["iss"], claims["aud"], claims["serviceurl"]) == (
        "https://api.botframework.com",
        APP_ID,
        driver.service_url,
    )
    await driver.personal_message("hi", auth=None)
    await driver.personal_message("hi", auth="Basic abc")
    assert [auth for _, auth in bot.received[-2:]] == ["", "Basic abc"]
    assert TeamsDriver("http://x", driver.connector).authorization() == {}  # no FakeEntra: anonymous mode

    async with aiohttp.ClientSession() as http, http.get(entra.channel_metadata_url) as resp:
        metadata = await resp.json()
    async with aiohttp.ClientSession() as http, http.get(metadata["jwks_uri"]) as resp:
        [key] = (await resp.json())["keys"]
    assert metadata["issuer"] == "https://api.botframework.com" and metadata["jwks_uri"] == entra.channel_jwks_url
    assert key["kid"] == entra.channel_key.kid and "msteams" in key["endorsements"]


async def test_minted_tokens_pass_the_sdk_validator(entra: FakeEntra) -> None:
    service_url = "https://smba.trafficmanager.net/amer/"
    identity = await JwtTokenValidator(CONFIG).validate_token(entra.channel_token(APP_ID, service_url))
    assert identity.claims["serviceurl"] == service_url and identity.claims["aud"] == APP_ID
    assert entra.calls_to("/v1/.well-known/keys")  # the SDK fetched the fake's JWKS


@pytest.mark.parametrize("flaw", list(TokenFlaw))
async def test_spoilt_tokens_fail_the_sdk_validator(entra: FakeEntra, flaw: TokenFlaw) -> None:
    with pytest.raises((jwt.PyJWTError, ValueError)):
        await JwtTokenValidator(CONFIG).validate_token(entra.channel_token(APP_ID, "https://x/", flaw=flaw))


@pytest.fixture
async def sdk_bot(connector: FakeBotConnector, entra: FakeEntra) -> AsyncIterator[TeamsDriver]:
    """A real AgentApplication behind the SDK's JWT decorator, answering ``ticket N`` with a card."""
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": CONFIG})
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=connections, start_typing_timer=False
    )

    @agent.message(re.compile(r"ticket \d+"))
    async def on_ticket(context: TurnContext, state: TurnState) -> None:
        await context.send_activity(
            Activity(type="message", text="on it", attachments=[CardFactory.adaptive_card(CARD)])
        )

    @agent.adaptive_card.action_execute("close")
    async def on_close(context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        closed = CARD | {"body": [{"type": "TextBlock", "text": f"Closed {data['session']}"}]}
        return AdaptiveCardInvokeResponse(status_code=200, type="application/vnd.microsoft.card.adaptive", value=closed)

    @jwt_authorization_decorator
    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, agent) or web.Response(status=500)

    app = web.Application()
    with warnings.catch_warnings():  # the SDK reads this str key; aiohttp warns about str keys (NotAppKeyWarning)
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = connections.get_default_connection_configuration()
    app.router.add_post("/api/messages", messages)
    runner, url = await serve(app)
    try:
        async with TeamsDriver(url, connector, entra) as driver:
            yield driver
    finally:
        await runner.cleanup()


async def test_a_real_sdk_turn_runs_on_the_fakes(
    sdk_bot: TeamsDriver, connector: FakeBotConnector, entra: FakeEntra
) -> None:
    driver = sdk_bot
    assert await driver.channel_message("ticket 12345") == (202, "")
    [reply] = connector.sent()
    inbound = driver.last_activity
    assert reply["text"] == "on it" and reply["replyToId"] == inbound["id"]
    assert reply["conversation"]["id"] == inbound["conversation"]["id"] and reply["from"]["id"] == connector.bot_id
    assert connector.last_card() == CARD
    call = connector.calls_for("reply")[0]
    assert entra.accepts(call.authorization) and entra.issued[call.authorization[7:]].client_id == APP_ID

    status, body = await driver.execute(reply, "close", {"session": "s1"})
    assert status == 200 and body["statusCode"] == 200 and body["value"]["body"][0]["text"] == "Closed s1"

    assert await driver.channel_message("ticket 1", auth=None) == (401, {"error": "Authorization header not found"})
    refused = (401, {"error": "Invalid token or authentication failed."})
    for flaw in (TokenFlaw.EXPIRED, TokenFlaw.WRONG_KEY):
        assert await driver.channel_message("ticket 1", auth=flaw) == refused
    assert len(connector.sent()) == 1

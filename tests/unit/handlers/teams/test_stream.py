"""FlowPilot's in-progress replies (``View.partial``) through the Teams sender, against the loopback Bot Connector
(which plays Teams' streaming rules): streamed in a 1:1 chat -- informative update, cumulative text, the card as the
final message, about one request per interval --, posted and edited in place elsewhere, and posted normally when
Teams refuses or stops a stream."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentAuthConfiguration

from bot.engine.events import ActionId, Actor, ConversationRef
from bot.engine.message_refs import MessageLocation
from bot.engine.replies import Button, Buttons, Context, Post, Text, Update, View
from bot.handlers.teams.connector import Connectors
from bot.handlers.teams.reach import Reach
from bot.handlers.teams.render import stream_text
from bot.handlers.teams.sender import TeamsSender
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import APP_ID, TENANT_ID
from tests.fakes.teams_roster import DANA, TEAM_ID
from tests.unit.handlers.teams.test_sender import Refs

TEAM, REF = "team-1", "s1:pilot:1"
GAP = 0.05
DANA_ACTOR = Actor("teams", DANA.id, DANA.name, DANA.email)
THINKING = View((Context("🧭 FlowPilot · Claude"), Text("FlowPilot is thinking…")), "FlowPilot is thinking…", True)


def writing(text: str) -> View:
    """The engine's streaming view: status line, the text so far and a cursor."""
    return View((Context("🧭 FlowPilot · Claude"), Text(text + " ▍")), text[:150], partial=True)


def finished(text: str) -> View:
    return View((Context("🧭 FlowPilot"), Text(text), Buttons((Button("One user", ActionId.LANE_ANSWER, "s1"),))), text)


class Rig:
    def __init__(self, connector: FakeBotConnector, stream_interval: float | None = GAP) -> None:
        self.connector, self.refs = connector, Refs({})
        config = AgentAuthConfiguration(client_id=APP_ID, tenant_id=TENANT_ID, anonymous_allowed=True)
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
        self.connectors = Connectors(connections, APP_ID, anonymous=True)
        reach = Reach(connector.service_url)
        reach.learn(TEAM, connector.service_url, TENANT_ID)
        now = datetime(2026, 12, 1, tzinfo=UTC)
        self.sender = TeamsSender(self.connectors, self.refs, reach, lambda: now, stream_interval=stream_interval)
        self.chat = connector.personal_conversation_id(DANA.id)

    def where(self, channel: str = "", thread: str = "") -> ConversationRef:
        return ConversationRef("teams", channel or self.chat, thread, {"service_url": self.connector.service_url})

    async def say(self, *replies: Post | Update) -> None:
        for reply in replies:
            await self.sender.send(TEAM, [reply], DANA_ACTOR)

    async def turn(self, where: ConversationRef, *texts: str, final: str = "Who is affected?") -> None:
        await self.say(Post(where, THINKING, REF))
        for text in texts:
            await self.say(Update(where, writing(text), REF))
        await self.say(Update(where, finished(final), REF))


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with FakeBotConnector() as connector:
        connector.stream_gap = GAP
        built = Rig(connector)
        try:
            yield built
        finally:
            await built.connectors.close()


def info(call_body: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in call_body["entities"] if e["type"] == "streaminfo")


async def test_a_reply_streams_in_a_1to1_chat_and_ends_as_the_card(rig: Rig) -> None:
    await rig.turn(rig.where(), "Let's narrow", "Let's narrow it down", "Let's narrow it down", "Different start")
    calls = rig.connector.stream_calls(rig.chat)
    assert [c.status for c in calls] == [201, 202, 202, 202], "unchanged or non-growing text is not sent"
    first, *updates, final = calls
    stream_id = first.response["id"]
    assert first.body["type"] == "typing" and first.body["text"] == "FlowPilot is thinking…"
    assert info(first.body) == {"type": "streaminfo", "streamType": "informative", "streamSequence": 1}
    assert [(u.body["text"], info(u.body)["streamSequence"]) for u in updates] == [
        ("Let's narrow", 2),
        ("Let's narrow it down", 3),
    ]
    assert all(info(u.body)["streamId"] == stream_id == u.body["id"] for u in updates)
    assert final.body["type"] == "message" and info(final.body) == {
        "type": "streaminfo",
        "streamType": "final",
        "streamId": stream_id,
    }
    assert "One user" in str(final.body["attachments"]) and "text" not in final.body
    assert [later.at - earlier.at >= GAP for earlier, later in itertools.pairwise(calls)] == [True] * 3
    assert rig.connector.calls_for("send") == [] and rig.connector.updates() == []
    assert await rig.refs.get(TEAM, "teams", REF) == MessageLocation(rig.chat, stream_id)
    [card] = rig.connector.sent(rig.chat)
    assert card["id"] == stream_id

    await rig.say(Update(rig.where(), finished("Who is affected? → One user"), REF))  # a later answer: a PUT
    [put] = rig.connector.updates()
    assert put["id"] == stream_id and "One user" in str(put["attachments"])


async def test_in_a_channel_thread_the_same_reply_is_posted_and_edited_in_place(rig: Rig) -> None:
    thread = rig.where(TEAM_ID, "1700000000500")
    await rig.turn(thread, "Let's narrow", "Let's narrow it down")
    assert rig.connector.stream_calls() == []
    [placeholder] = rig.connector.calls_for("send")
    assert "thinking" in str(placeholder.body["attachments"])
    puts = rig.connector.updates()
    assert [p["id"] for p in puts] == [placeholder.response["id"]] * 3
    assert "▍" in str(puts[0]["attachments"]) and "One user" in str(puts[-1]["attachments"])


async def test_a_refused_stream_falls_back_to_a_message_and_edits(rig: Rig) -> None:
    rig.connector.refuse_streams()
    await rig.turn(rig.where(), "Let's narrow")
    [refused] = rig.connector.stream_calls()
    assert refused.status == 403 and refused.response["error"]["code"] == "ContentStreamNotAllowed"
    [placeholder] = rig.connector.calls_for("send")
    assert [p["id"] for p in rig.connector.updates()] == [placeholder.response["id"]] * 2
    assert "One user" in str(rig.connector.message(placeholder.response["id"]))


async def test_a_stream_stopped_midway_ends_with_the_card_posted_as_a_message(rig: Rig) -> None:
    await rig.say(Post(rig.where(), THINKING, REF))
    rig.connector.fail(403, times=1, ops=frozenset({"stream"}), code="ContentStreamNotAllowed")  # the user pressed Stop
    await rig.say(Update(rig.where(), writing("Let's narrow"), REF))
    await rig.say(Update(rig.where(), writing("Let's narrow it down"), REF))  # not sent: the stream was stopped
    await rig.say(Update(rig.where(), finished("Who is affected?"), REF))
    assert [(c.op, c.status) for c in rig.connector.stream_calls()] == [("stream", 201), ("stream", 403)]
    [posted] = rig.connector.calls_for("send")
    assert "One user" in str(posted.body["attachments"])
    assert await rig.refs.get(TEAM, "teams", REF) == MessageLocation(rig.chat, posted.response["id"])


async def test_when_the_final_message_is_refused_the_card_is_posted(rig: Rig) -> None:
    rig.connector.fail(403, times=1, ops=frozenset({"final"}), code="ContentStreamNotAllowed")
    await rig.turn(rig.where(), "Let's narrow")
    assert [c.op for c in rig.connector.stream_calls()] == ["stream", "stream", "final"]
    [posted] = rig.connector.calls_for("send")
    assert "One user" in str(posted.body["attachments"])
    assert await rig.refs.get(TEAM, "teams", REF) == MessageLocation(rig.chat, posted.response["id"])


async def test_streaming_can_be_turned_off(rig: Rig) -> None:
    plain = Rig(rig.connector, stream_interval=None)
    await plain.turn(plain.where(), "Let's narrow")
    assert rig.connector.stream_calls() == [] and len(rig.connector.updates()) == 2
    await plain.connectors.close()


def test_the_streamed_text_drops_the_status_line_and_the_cursor() -> None:
    assert stream_text(writing("Check *this* first")) == "Check **this** first"
    assert stream_text(THINKING, 5) == "FlowP"

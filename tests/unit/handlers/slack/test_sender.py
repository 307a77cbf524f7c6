"""The sender's ``Update`` path against the loopback Slack Web API: a message that is gone is looked up again (a
remembered location may be stale) and only then posted anew; lazy updates (the session card) go last or are folded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.events import ConversationRef
from bot.engine.message_refs import MessageLocation
from bot.engine.replies import Text, Update, View
from bot.handlers.slack.sender import SlackSender
from tests.fakes.slack_api import FakeSlackApi

REF = "s-1:card"
WHERE = ConversationRef("slack", "C1", "1700000000.000100")


class Refs:
    """``SqlMessageRefs`` in miniature: a shared table, and locations remembered per instance (per process)."""

    def __init__(self, table: dict[str, MessageLocation]) -> None:
        self.table, self.memory = table, dict[str, MessageLocation]()
        self.reads = 0

    async def get(self, team_id: str, platform: str, ref: str) -> MessageLocation | None:
        if ref not in self.memory and ref in self.table:
            self.reads += 1
            self.memory[ref] = self.table[ref]
        return self.memory.get(ref)

    async def put(self, team_id: str, platform: str, ref: str, location: MessageLocation) -> None:
        self.table[ref] = self.memory[ref] = location

    def forget(self, team_id: str, platform: str, ref: str) -> None:
        self.memory.pop(ref, None)


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as fake:
        yield fake


def sender(api: FakeSlackApi, refs: Refs, lazy_delay: float = 0.0) -> SlackSender:
    client = AsyncWebClient(token="xoxb-test-T1", base_url=api.base_url + "/api/")

    async def client_for(team_id: str) -> AsyncWebClient:
        return client

    return SlackSender(client_for, refs, lambda: datetime(2026, 11, 25, tzinfo=UTC), lazy_delay=lazy_delay)


def bot_message(api: FakeSlackApi, ts: str) -> None:
    ws = api.workspaces["T1"]
    ws.messages[("C1", ts)] = {"type": "message", "bot_id": ws.bot_id, "text": "old", "ts": ts}


async def test_a_stale_remembered_location_is_read_again_before_posting_anew(api: FakeSlackApi) -> None:
    table: dict[str, MessageLocation] = {}
    here, there = Refs(table), Refs(table)
    bot_message(api, "1.1")
    await here.put("T1", "slack", REF, MessageLocation("C1", "1.1"))
    bot_message(api, "2.2")  # the other process lost the message and posted it anew
    del api.workspaces["T1"].messages[("C1", "1.1")]
    await there.put("T1", "slack", REF, MessageLocation("C1", "2.2"))
    await sender(api, here).send("T1", [Update(WHERE, View((Text("new"),), "new"), REF)])
    assert [p["ts"] for p in api.method_calls("chat.update")] == ["1.1", "2.2"]
    assert api.method_calls("chat.postMessage") == []
    assert await here.get("T1", "slack", REF) == MessageLocation("C1", "2.2")


async def test_a_message_that_is_gone_everywhere_is_posted_anew_once(api: FakeSlackApi) -> None:
    refs = Refs({})
    await refs.put("T1", "slack", REF, MessageLocation("C1", "1.1"))  # never on the fake: message_not_found
    await sender(api, refs).send("T1", [Update(WHERE, View((Text("new"),), "new"), REF)])
    assert [p["ts"] for p in api.method_calls("chat.update")] == ["1.1"]
    (posted,) = api.posted(channel="C1")
    assert await refs.get("T1", "slack", REF) == MessageLocation("C1", posted["ts"], WHERE.thread)
    assert refs.reads == 1  # forgotten and read again once, then posted


def view(text: str) -> View:
    return View((Text(text),), text)


async def two_messages(refs: Refs, api: FakeSlackApi) -> None:
    for ref, ts in ((REF, "1.1"), ("s-1:step-1", "2.2")):
        bot_message(api, ts)
        await refs.put("T1", "slack", ref, MessageLocation("C1", ts))


def updated(api: FakeSlackApi) -> list[tuple[str, str]]:
    return [(p["ts"], p["text"]) for p in api.method_calls("chat.update")]


async def test_without_a_delay_the_card_goes_last_in_its_batch_and_once(api: FakeSlackApi) -> None:
    refs = Refs({})
    await two_messages(refs, api)
    card_1, card_2 = Update(WHERE, view("card 1"), REF, lazy=True), Update(WHERE, view("card 2"), REF, lazy=True)
    step = Update(WHERE, view("answered"), "s-1:step-1")
    await sender(api, refs).send("T1", [card_1, step, card_2])
    assert updated(api) == [("2.2", "answered"), ("1.1", "card 2")]


async def test_with_a_delay_a_burst_of_card_updates_costs_one_call(api: FakeSlackApi) -> None:
    refs = Refs({})
    await two_messages(refs, api)
    slack = sender(api, refs, lazy_delay=30)
    for n in range(4):
        await slack.send(
            "T1", [Update(WHERE, view(f"step {n}"), "s-1:step-1"), Update(WHERE, view(f"card {n}"), REF, lazy=True)]
        )
    assert [text for _, text in updated(api)] == ["step 0", "step 1", "step 2", "step 3"]
    await slack.flush()
    assert updated(api)[-1] == ("1.1", "card 3")
    assert len(updated(api)) == 5


async def test_an_eager_update_drops_the_deferred_older_view_of_that_message(api: FakeSlackApi) -> None:
    refs = Refs({})
    await two_messages(refs, api)
    slack = sender(api, refs, lazy_delay=30)
    await slack.send("T1", [Update(WHERE, view("card, old"), REF, lazy=True)])
    await slack.send("T1", [Update(WHERE, view("card, resolved"), REF)])
    await slack.flush()
    assert updated(api) == [("1.1", "card, resolved")]


async def test_a_lazy_view_after_an_eager_one_in_the_same_batch_is_kept(api: FakeSlackApi) -> None:
    refs = Refs({})
    await two_messages(refs, api)
    slack = sender(api, refs, lazy_delay=30)
    await slack.send(
        "T1", [Update(WHERE, view("card, eager"), REF), Update(WHERE, view("card, newer"), REF, lazy=True)]
    )
    await slack.flush()
    assert updated(api) == [("1.1", "card, eager"), ("1.1", "card, newer")]

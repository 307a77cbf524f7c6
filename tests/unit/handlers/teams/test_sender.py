"""The Teams sender against the loopback Bot Connector (anonymous mode: no tokens): where each reply lands, threads
opened by session cards, 1:1 chats opened once, notices addressed with real mentions, cards updated in place (or
posted anew when gone), lazy updates folded, 429s retried after Retry-After, failures told to the person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentAuthConfiguration

from bot.engine.events import Actor, ConversationRef, FormId, ThreadStarted
from bot.engine.message_refs import MessageLocation
from bot.engine.replies import (
    Attachment,
    DirectMessage,
    Ephemeral,
    HomeView,
    Input,
    Mention,
    OpenForm,
    Post,
    Text,
    Update,
    View,
)
from bot.handlers.teams import texts
from bot.handlers.teams.connector import Connectors
from bot.handlers.teams.reach import Reach
from bot.handlers.teams.sender import TeamsSender
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import APP_ID, TENANT_ID
from tests.fakes.teams_roster import DANA, ESCALATIONS, PAT, TEAM_ID

TEAM = "team-1"
ROOT = "1700000000500"
DANA_ACTOR = Actor("teams", DANA.id, DANA.name, DANA.email)
PAT_ACTOR = Actor("teams", PAT.id, PAT.name)


class Refs:
    """``SqlMessageRefs`` in miniature: a shared table, and locations remembered per instance (per process)."""

    def __init__(self, table: dict[str, MessageLocation]) -> None:
        self.table, self.memory = table, dict[str, MessageLocation]()

    async def get(self, team_id: str, platform: str, ref: str) -> MessageLocation | None:
        if ref not in self.memory and ref in self.table:
            self.memory[ref] = self.table[ref]
        return self.memory.get(ref)

    async def put(self, team_id: str, platform: str, ref: str, location: MessageLocation) -> None:
        self.table[ref] = self.memory[ref] = location

    def forget(self, team_id: str, platform: str, ref: str) -> None:
        self.memory.pop(ref, None)


def view(text: str) -> View:
    return View((Text(text),), text)


class Rig:
    def __init__(self, connector: FakeBotConnector, lazy_delay: float = 0.0) -> None:
        self.connector, self.refs, self.waits = connector, Refs({}), list[float]()
        config = AgentAuthConfiguration(client_id=APP_ID, tenant_id=TENANT_ID, anonymous_allowed=True)
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})

        async def sleep(seconds: float) -> None:
            self.waits.append(seconds)

        self.connectors = Connectors(connections, APP_ID, anonymous=True, sleep=sleep)
        self.reach = Reach(connector.service_url)
        self.reach.learn(TEAM, connector.service_url, TENANT_ID)
        now = datetime(2026, 12, 1, tzinfo=UTC)
        self.sender = TeamsSender(self.connectors, self.refs, self.reach, lambda: now, lazy_delay=lazy_delay)

    def where(self, channel: str = TEAM_ID, thread: str = ROOT) -> ConversationRef:
        return ConversationRef("teams", channel, thread, {"service_url": self.connector.service_url})


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with FakeBotConnector() as connector:
        built = Rig(connector)
        try:
            yield built
        finally:
            await built.connectors.close()


def texts_of(activity: dict[str, object]) -> str:
    return str(activity.get("attachments"))


async def test_a_session_card_without_a_thread_opens_one_with_a_new_channel_post(rig: Rig) -> None:
    at_top = rig.where(ESCALATIONS, "")
    replies = [Post(at_top, view("session card"), "s1:card", root=True, session_id="s1"), Post(at_top, view("step 1"))]
    [started] = await rig.sender.send(TEAM, replies, DANA_ACTOR)
    [create] = rig.connector.calls_for("create")
    assert create.body["channelData"]["channel"] == {"id": ESCALATIONS} and create.body["isGroup"] is True
    assert create.body["tenantId"] == TENANT_ID and create.body["bot"] == {"id": f"28:{APP_ID}"}
    assert isinstance(started, ThreadStarted) and started.session_id == "s1"
    root = create.response["activityId"]
    assert started.thread == root and started.event_id == f"teams:thread:{ESCALATIONS}:{root}"
    [step] = rig.connector.calls_for("send")
    assert step.conversation_id == f"{ESCALATIONS};messageid={root}" and "step 1" in texts_of(step.body)
    assert await rig.refs.get(TEAM, "teams", "s1:card") == MessageLocation(ESCALATIONS, root, root)


async def test_posts_in_a_thread_are_remembered_and_updated_in_place(rig: Rig) -> None:
    await rig.sender.send(TEAM, [Post(rig.where(), view("step 1"), "s1:step:1")], DANA_ACTOR)
    [sent] = rig.connector.calls_for("send")
    assert sent.conversation_id == f"{TEAM_ID};messageid={ROOT}" and sent.body["from"] == {"id": f"28:{APP_ID}"}
    assert sent.body["summary"] == "step 1" and sent.authorization == ""  # anonymous mode: no token
    await rig.sender.send(TEAM, [Update(rig.where(), view("step 1: Yes"), "s1:step:1")], DANA_ACTOR)
    [put] = rig.connector.updates()
    assert put["id"] == sent.response["id"] and "step 1: Yes" in texts_of(put)


async def test_an_update_of_a_message_teams_no_longer_has_posts_it_anew(rig: Rig) -> None:
    await rig.refs.put(TEAM, "teams", "s1:card", MessageLocation(TEAM_ID, "1699999999999", ROOT))
    await rig.sender.send(TEAM, [Update(rig.where(), view("card v2"), "s1:card")], DANA_ACTOR)
    assert [c.status for c in rig.connector.calls_for("update")] == [404]
    [sent] = rig.connector.calls_for("send")
    assert (await rig.refs.get(TEAM, "teams", "s1:card")) == MessageLocation(TEAM_ID, sent.response["id"], ROOT)


async def test_lazy_updates_are_folded_into_one_put(rig: Rig) -> None:
    folding = Rig(rig.connector, lazy_delay=30)
    await folding.sender.send(TEAM, [Post(rig.where(), view("card v1"), "s1:card")])
    for n in (2, 3, 4):
        await folding.sender.send(TEAM, [Update(rig.where(), view(f"card v{n}"), "s1:card", lazy=True)])
    assert rig.connector.updates() == []
    await folding.sender.flush()
    [put] = rig.connector.updates()
    assert "card v4" in texts_of(put)
    await folding.connectors.close()


async def test_notices_in_shared_conversations_mention_the_person_and_are_plain_in_a_1to1(rig: Rig) -> None:
    await rig.sender.send(TEAM, [Ephemeral(rig.where(), PAT_ACTOR, view("already answered"))], DANA_ACTOR)
    [shared] = rig.connector.sent()
    card = shared["attachments"][0]["content"]
    assert card["body"][0]["text"] == "<at>Pat Lead</at>"
    assert card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Pat Lead</at>", "mentioned": {"id": PAT.id, "name": "Pat Lead"}}
    ]
    chat = rig.connector.personal_conversation_id(DANA.id)
    await rig.sender.send(TEAM, [Ephemeral(rig.where(chat, ""), DANA_ACTOR, view("note saved"))], DANA_ACTOR)
    private = rig.connector.sent(chat)[-1]
    assert "<at>" not in texts_of(private) and "entities" not in private["attachments"][0]["content"]["msteams"]


async def test_a_mention_reaches_the_connector_as_a_real_mention(rig: Rig) -> None:
    await rig.sender.send(TEAM, [Post(rig.where(ESCALATIONS, ""), View((Mention("please take this", (PAT_ACTOR,)),)))])
    [sent] = rig.connector.sent(ESCALATIONS)
    card = sent["attachments"][0]["content"]
    assert card["body"][0]["text"] == "<at>Pat Lead</at> please take this"
    assert card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Pat Lead</at>", "mentioned": {"id": PAT.id, "name": "Pat Lead"}}
    ]


async def test_direct_messages_open_the_1to1_chat_once(rig: Rig) -> None:
    await rig.sender.send(TEAM, [DirectMessage(PAT_ACTOR, view("you were pinged"))])
    await rig.sender.send(TEAM, [HomeView(PAT_ACTOR, view("your sessions"))])
    [create] = rig.connector.calls_for("create")
    assert create.body["members"] == [{"id": PAT.id}] and create.body["tenantId"] == TENANT_ID
    chat = rig.connector.personal_conversation_id(PAT.id)
    assert [c.conversation_id for c in rig.connector.calls_for("send")] == [chat, chat]
    assert "your sessions" in texts_of(rig.connector.sent(chat)[-1])


async def test_a_form_is_a_card_with_inputs_that_answers_its_thread(rig: Rig) -> None:
    form = OpenForm(
        rig.where(), DANA_ACTOR, FormId.RESOLVE, "Resolve", "s1", 7, (Input("summary", "Summary", multiline=True),)
    )
    await rig.sender.send(TEAM, [form], DANA_ACTOR)
    [sent] = rig.connector.sent()
    assert sent["conversation"]["id"] == f"{TEAM_ID};messageid={ROOT}"
    body = sent["attachments"][0]["content"]["body"]
    assert any(e.get("id") == "rf.in.summary" for e in body)
    submit = body[-1]["actions"][0]
    assert submit["data"]["rf"] == {"v": 1, "s": "s1", "n": 7, "c": TEAM_ID, "t": ROOT}


async def test_a_long_export_is_split_over_messages_that_fit(rig: Rig) -> None:
    content = "\n".join(f"line {n}: " + "x" * 90 for n in range(1200))
    await rig.sender.send(TEAM, [Attachment(rig.where(), "notes.md", content, title="Export (md)")], DANA_ACTOR)
    sent = rig.connector.sent()
    assert len(sent) > 3 and all(c.status == 201 for c in rig.connector.calls_for("send"))
    assert "Export (md) — notes.md" in texts_of(sent[0]) and "line 1199" in texts_of(sent[-1])


async def test_an_export_card_starts_with_its_download_link_and_a_closing_note_has_none(rig: Rig) -> None:
    url = "https://bot.example.com/share/file/abc.def"
    doc = Attachment(rig.where(), "notes.md", "# Note", title="Export (md)", upload=True, download_url=url)
    await rig.sender.send(TEAM, [doc], DANA_ACTOR)
    assert texts.DOWNLOAD_LINK.format(url=url) in texts_of(rig.connector.sent()[-1])
    note = Attachment(rig.where(), "notes.md", "# Note", title="Session note", final=True, download_url=url)
    await rig.sender.send(TEAM, [note], DANA_ACTOR)
    assert url not in texts_of(rig.connector.sent()[-1])


async def test_throttling_waits_for_retry_after_then_succeeds(rig: Rig) -> None:
    rig.connector.throttle(times=2, retry_after=7)
    await rig.sender.send(TEAM, [Post(rig.where(), view("step 1"))], DANA_ACTOR)
    assert [c.status for c in rig.connector.calls_for("send")] == [429, 429, 201] and rig.waits == [7, 7]


async def test_a_refused_delivery_is_told_to_the_person_who_acted(rig: Rig) -> None:
    await rig.refs.put(TEAM, "teams", "s1:step:1", MessageLocation(TEAM_ID, "1699999999998", ROOT))
    rig.connector.messages[(TEAM_ID, "1699999999998")] = {"type": "message"}
    rig.connector.fail(412, times=9, ops=frozenset({"update"}), code="PreconditionFailed")
    await rig.sender.send(TEAM, [Update(rig.where(), view("answered"), "s1:step:1")], DANA_ACTOR)
    assert [c.status for c in rig.connector.calls_for("update")] == [412] * 4  # retried, then given up
    [told] = rig.connector.sent()
    assert "412 PreconditionFailed" in texts_of(told) and DANA.id in str(told["attachments"][0]["content"]["msteams"])
    assert texts.DELIVERY_FAILED.split("(")[0] in texts_of(told)

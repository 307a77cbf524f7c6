"""Exports into a person's OneDrive after they allowed it, against the loopback Bot Connector and its upload
sessions: one PUT with the right range, then the file-info card; refusals (a foreign host, a token that is not
theirs, a full OneDrive) change nothing and are said in the chat; a decline offers the download link. Once answered,
the consent card is replaced in place by a line without buttons, and a second answer to it uploads nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentAuthConfiguration

from bot.engine.events import Actor
from bot.engine.sharing.pages import Download
from bot.handlers.teams import outbound, texts
from bot.handlers.teams.connector import Connectors
from bot.handlers.teams.file_cards import CONSENT_TYPE, INFO_TYPE, ConsentAnswer, UploadInfo, consent_message
from bot.handlers.teams.uploads import ExportUploads, upload_host
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.connector_uploads import file_cards
from tests.fakes.entra import APP_ID, TENANT_ID
from tests.fakes.teams_roster import DANA

TEAM = "team-1"
DANA_ACTOR = Actor("teams", DANA.id, DANA.name)
BODY = "# VPN drops\n\nDana restarted the client. ✓\n"


def text_of(activity: dict[str, Any]) -> str:
    """The texts of an activity's Adaptive Cards."""
    return json.dumps(FakeBotConnector.cards_in(activity), ensure_ascii=False)


def actions_in(activity: dict[str, Any]) -> bool:
    """Whether an activity's cards have anything to press."""
    return '"Action.' in text_of(activity)


@dataclass
class FakeHandover:
    """The engine's ``ExportHandover`` in miniature: one token, made for Dana in TEAM; records every question."""

    token: str = "good.token"
    asked: list[tuple[str, str, str]] = field(default_factory=list)

    def link(self, token: str) -> str:
        return f"https://rf.example.com/share/file/{token}"

    async def allowed(self, token: str, team_id: str, actor: Actor) -> bool:
        self.asked.append((token, team_id, actor.platform_user_id))
        return (token, team_id, actor.platform_user_id) == (self.token, TEAM, DANA.id)

    async def claim(self, token: str, team_id: str, actor: Actor) -> Download | None:
        if not await self.allowed(token, team_id, actor):
            return None
        return Download("vpn-12345.md", "text/markdown", BODY)


@dataclass
class Rig:
    connector: FakeBotConnector
    handover: FakeHandover
    uploads: ExportUploads
    connectors: Connectors

    def answer(
        self,
        accepted: bool = True,
        token: str = "good.token",
        upload_url: str = "",
        card_id: str = "1700000000001",
        actor: Actor = DANA_ACTOR,
    ) -> ConsentAnswer:
        info = self.connector.upload_info("vpn-12345.md")
        upload = UploadInfo(
            info["name"], upload_url or info["uploadUrl"], info["contentUrl"], info["uniqueId"], info["fileType"]
        )
        chat = self.connector.personal_conversation_id(actor.platform_user_id)
        service = self.connector.service_url
        return ConsentAnswer(accepted, token, actor, chat, service, card_id, upload if accepted else None)

    async def consent_card(self, person: str = DANA.id) -> str:
        """Post a consent card into ``person``'s 1:1 chat, as the sender does; its activity id."""
        chat = self.connector.personal_conversation_id(person)
        service = self.connector.service_url
        activity = outbound.message(consent_message("vpn-12345.md", 42, "good.token"), chat, "28:bot", service)
        sent = await self.connectors.call(
            service, "send", lambda c: c.conversations.send_to_conversation(chat, activity)
        )
        return str(sent.id)

    def cards_now(self) -> list[str]:
        """What each replaced consent card shows (in order of the replacements)."""
        return [text_of(u) for u in self.connector.updates()]

    def said(self) -> str:
        return "\n".join(str(a.get("attachments")) for a in self.connector.sent())


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with FakeBotConnector() as connector:
        config = AgentAuthConfiguration(client_id=APP_ID, tenant_id=TENANT_ID, anonymous_allowed=True)
        connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
        connectors = Connectors(connections, APP_ID, anonymous=True)
        handover = FakeHandover()
        uploads = ExportUploads(handover, connectors)
        try:
            yield Rig(connector, handover, uploads, connectors)
        finally:
            await uploads.close()
            await connectors.close()


async def test_an_accepted_export_is_put_once_then_shown_as_a_file(rig: Rig) -> None:
    answer = rig.answer()
    rig.uploads.answer(TEAM, answer, "f:1")
    rig.uploads.answer(TEAM, answer, "f:1")  # Teams delivered the same answer twice
    await rig.uploads.idle()
    (put,) = rig.connector.puts
    data = BODY.encode()
    assert put.status == 201 and put.body == data and "Authorization" not in put.headers
    assert put.headers["Content-Range"] == f"bytes 0-{len(data) - 1}/{len(data)}"
    assert put.headers["Content-Length"] == str(len(data))
    assert rig.connector.uploaded() == {"vpn-12345.md": data}
    (sent,) = rig.connector.sent(answer.conversation_id)
    (info,) = file_cards(sent, INFO_TYPE)
    assert answer.upload is not None
    assert info["contentUrl"] == answer.upload.content_url and info["name"] == "vpn-12345.md"
    assert info["content"] == {"uniqueId": answer.upload.unique_id, "fileType": "md"}
    assert rig.handover.asked == [("good.token", TEAM, DANA.id)]


async def test_an_upload_url_outside_onedrive_is_refused_before_anything_is_rendered(rig: Rig) -> None:
    rig.uploads.answer(TEAM, rig.answer(upload_url="https://evil.example/upload-sessions/us-0001"))
    await rig.uploads.idle()
    assert rig.connector.puts == [] and rig.handover.asked == []
    assert texts.UPLOAD_NOT_ONEDRIVE in rig.said()


async def test_a_token_that_is_not_theirs_uploads_nothing(rig: Rig) -> None:
    rig.uploads.answer("another-team", rig.answer())
    rig.uploads.answer(TEAM, rig.answer(token="forged.token"))
    await rig.uploads.idle()
    assert rig.connector.puts == [] and rig.connector.uploaded() == {}
    gone = texts.UPLOAD_GONE.split(":")[0]
    assert sum(gone in str(a.get("attachments")) for a in rig.connector.sent()) == 2


async def test_a_refused_upload_offers_the_download_link(rig: Rig) -> None:
    rig.connector.fail_uploads(507)
    rig.uploads.answer(TEAM, rig.answer())
    await rig.uploads.idle()
    assert [p.status for p in rig.connector.puts] == [507] and rig.connector.uploaded() == {}
    said = rig.said()
    assert "HTTP 507" in said and "https://rf.example.com/share/file/good.token" in said
    assert not any(file_cards(a, INFO_TYPE) for a in rig.connector.sent())


async def test_a_decline_offers_the_link_when_the_export_is_still_theirs(rig: Rig) -> None:
    rig.uploads.answer(TEAM, rig.answer(accepted=False))
    await rig.uploads.idle()
    assert "https://rf.example.com/share/file/good.token" in rig.said() and rig.connector.puts == []
    rig.uploads.answer(TEAM, rig.answer(accepted=False, token="expired.token"))
    await rig.uploads.idle()
    assert texts.UPLOAD_DECLINED_GONE in rig.said() and "expired.token" not in rig.said()


@pytest.mark.parametrize(
    ("url", "service_url", "allowed"),
    [
        ("https://contoso-my.sharepoint.com/personal/dana/_api/v2.0/uploadSession?x=1", "https://smba.x/amer/", True),
        ("https://contoso.sharepoint-df.com/upload", "", True),
        ("http://contoso-my.sharepoint.com/upload", "https://smba.x/amer/", False),  # not HTTPS
        ("https://sharepoint.com.evil.example/upload", "https://smba.x/amer/", False),
        ("http://127.0.0.1:5000/upload-sessions/us-1", "http://127.0.0.1:5000/amer/", True),  # the serviceUrl's origin
        ("http://127.0.0.1:5001/upload-sessions/us-1", "http://127.0.0.1:5000/amer/", False),
        ("https://smba.trafficmanager.net/upload", "", False),
    ],
)
def test_uploads_go_only_to_onedrive_or_the_service_urls_origin(url: str, service_url: str, allowed: bool) -> None:
    assert upload_host(url, service_url) is allowed


async def test_an_answered_card_is_replaced_in_place_without_buttons(rig: Rig) -> None:
    uploaded, declined, refused = [await rig.consent_card() for _ in range(3)]
    rig.uploads.answer(TEAM, rig.answer(card_id=uploaded), "f:1")
    rig.uploads.answer(TEAM, rig.answer(False, token="other.token", card_id=declined), "f:2")
    rig.uploads.answer(TEAM, rig.answer(token="expired.token", card_id=refused), "f:3")
    await rig.uploads.idle()
    chat = rig.connector.personal_conversation_id(DANA.id)
    shown = {card: rig.connector.message(card, chat) for card in (uploaded, declined, refused)}
    assert all(m is not None and not file_cards(m, CONSENT_TYPE) and not actions_in(m) for m in shown.values())
    assert texts.CARD_UPLOADED.format(filename="vpn-12345.md") in text_of(shown[uploaded] or {})
    assert texts.CARD_NOT_UPLOADED in text_of(shown[declined] or {})
    assert texts.CARD_NOT_UPLOADED in text_of(shown[refused] or {})
    assert len(rig.connector.puts) == 1 and len(rig.cards_now()) == 3


async def test_a_second_allow_on_the_same_card_uploads_nothing_more(rig: Rig) -> None:
    card = await rig.consent_card()
    rig.uploads.answer(TEAM, rig.answer(card_id=card), "f:1")
    rig.uploads.answer(TEAM, rig.answer(card_id=card), "f:2")  # a double click, before the card changed
    await rig.uploads.idle()
    rig.uploads.answer(TEAM, rig.answer(card_id=card), "f:3")  # a stale copy of the card, pressed later
    rig.uploads.answer(TEAM, rig.answer(False, card_id=card), "f:4")  # or declined there
    await rig.uploads.idle()
    assert [p.status for p in rig.connector.puts] == [201] and len(rig.connector.uploaded()) == 1
    assert sum(bool(file_cards(a, INFO_TYPE)) for a in rig.connector.sent()) == 1
    assert sum(texts.CONSENT_ANSWERED in text_of(a) for a in rig.connector.sent()) == 3
    uploaded = texts.CARD_UPLOADED.format(filename="vpn-12345.md")
    assert all(uploaded in shown for shown in rig.cards_now()) and len(rig.cards_now()) == 3  # replaced again


async def test_someone_elses_answer_does_not_use_up_the_persons_card(rig: Rig) -> None:
    card = await rig.consent_card()
    pat = Actor("teams", "29:1pat-lead", "Pat Lead")
    rig.uploads.answer(TEAM, rig.answer(card_id=card, actor=pat), "f:1")  # refused: not made for Pat
    await rig.uploads.idle()
    rig.uploads.answer(TEAM, rig.answer(card_id=card), "f:2")
    await rig.uploads.idle()
    assert [p.status for p in rig.connector.puts] == [201]


async def test_a_card_that_cannot_be_replaced_is_only_logged(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.uploads.answer(TEAM, rig.answer(card_id="no-such-card"))
    rig.uploads.answer(TEAM, rig.answer(token="t2", card_id=""))  # no replyToId: nothing to replace
    await rig.uploads.idle()
    assert [p.status for p in rig.connector.puts] == [201] and rig.connector.updates() == []
    assert sum("could not be replaced" in r.getMessage() for r in caplog.records) == 1

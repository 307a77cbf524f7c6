"""Exports in Teams, end to end: the real served app, Bot Framework tokens, the fake connector and its OneDrive
upload sessions.

* In Dana's 1:1 chat `export md` answers with a file-consent card (the document itself is not in it). She allows it:
  the invoke is answered at once, the export is rendered again (redacted, as her team wants), PUT into the upload
  session Teams opened in her OneDrive, a file-info card shows it in the chat, and the consent card becomes
  "Uploaded <name>" with nothing to press.
* `export txt`, declined: nothing is uploaded (the card says so) and the download link is offered instead; the
  served app answers it.
* The card's context is only good for Dana: the same context sent by Pat (same team) or by someone of another
  tenant, or tampered, uploads nothing and says so.
* In a channel thread the export stays a card with the download link: bots cannot upload there.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.handlers.teams import texts
from tests.e2e.teams_server import Teams, actions_in, teams_session, text_of, wait_count, wait_sent, wait_updated
from tests.fakes.connector_uploads import CONSENT, INFO, consent_answer, file_cards
from tests.fakes.teams_roster import DANA, PAT, TEAM_ID, TeamsUser

NOTE = "Jane (jane.doe@example.com) reconnected after the client reinstall"
EVE = TeamsUser("29:1eve-other", "Eve Other", "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "eve@fabrikam.example", "other-t")


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch) as session:
        session.connector.add_user(PAT)
        session.connector.add_user(EVE)
        yield session


async def in_chat(teams: Teams, predicate: Any, what: str, user: TeamsUser = DANA) -> dict[str, Any]:
    return await wait_sent(teams, predicate, what, teams.connector.personal_conversation_id(user.id))


async def session_with_a_note(teams: Teams) -> None:
    await teams.user.personal_message("help")  # Dana: the team's first member
    await in_chat(teams, lambda a: "ResolutionFlow commands" in text_of(a), "help")
    await teams.user.personal_message("start vpn-wont-connect")
    await in_chat(teams, lambda a: "public website" in text_of(a), "the first step")
    await teams.user.personal_message(f"note {NOTE}")
    await in_chat(teams, lambda a: "Note saved" in text_of(a), "the note")


async def consent_card(teams: Teams, fmt: str, n: int = 1) -> dict[str, Any]:
    await teams.user.personal_message(f"export {fmt}")
    chat = teams.connector.personal_conversation_id(DANA.id)
    cards = await wait_count(teams, lambda a: bool(file_cards(a, CONSENT)), n, chat)
    return cards[n - 1]


async def test_an_export_allowed_in_a_1_1_chat_lands_in_onedrive(teams: Teams) -> None:
    await session_with_a_note(teams)
    card = await consent_card(teams, "md")
    (consent,) = file_cards(card, CONSENT)
    name, content = consent["name"], consent["content"]
    assert name.endswith(".md") and content["sizeInBytes"] > 100
    assert content["acceptContext"] == content["declineContext"] and content["acceptContext"]["rf"] == "export.v1"
    assert "reconnected" not in str(card), "the card carries no part of the document"

    upload = teams.connector.upload_info(name)
    reply = await teams.user.post(consent_answer(teams.user, card, "accept", upload=upload))
    assert reply.status == 200
    shown = await in_chat(teams, lambda a: bool(file_cards(a, INFO)), "the file-info card")
    (info,) = file_cards(shown, INFO)
    assert info["name"] == name and info["contentUrl"] == upload["contentUrl"]
    assert info["content"] == {"uniqueId": upload["uniqueId"], "fileType": "md"}
    (put,) = teams.connector.puts
    data = teams.connector.uploaded()[name]
    assert put.status == 201 and put.headers["Content-Range"] == f"bytes 0-{len(data) - 1}/{len(data)}"
    assert "Authorization" not in put.headers  # an upload session is pre-authorised: the bot's token stays home
    assert b"reconnected after the client reinstall" in data and b"jane.doe@example.com" not in data
    spent = await wait_updated(teams, card["id"], lambda u: name in text_of(u), "the consent card replaced")
    assert texts.CARD_UPLOADED.format(filename=name) in text_of(spent) and not actions_in(spent)
    assert not file_cards(teams.connector.message(card["id"]) or {}, CONSENT)  # nothing left to press


async def test_a_declined_export_offers_the_download_link_instead(teams: Teams) -> None:
    await session_with_a_note(teams)
    card = await consent_card(teams, "txt")
    assert (await teams.user.post(consent_answer(teams.user, card, "decline"))).status == 200
    offered = await in_chat(teams, lambda a: "nothing was uploaded" in text_of(a), "the link instead")
    link = max(re.findall(r"https?://[^\s)\]>]+/share/file/[A-Za-z0-9_.-]+", text_of(offered)), key=len)
    assert teams.connector.puts == []
    await wait_updated(teams, card["id"], lambda u: texts.CARD_NOT_UPLOADED in text_of(u), "the card replaced")
    async with aiohttp.ClientSession() as http, http.get(teams.bot.url + urlsplit(link).path) as response:
        assert response.status == 200 and "reconnected after the client reinstall" in await response.text()


async def test_the_cards_context_uploads_nothing_for_anyone_else(teams: Teams) -> None:
    await session_with_a_note(teams)
    card = await consent_card(teams, "md")
    context = file_cards(card, CONSENT)[0]["content"]["acceptContext"]
    for person in (PAT, EVE):  # a teammate, and someone of another tenant (another team), each in their 1:1 chat
        await teams.user.personal_message("help", person)
        chat = teams.connector.personal_conversation_id(person.id)
        theirs = card | {"conversation": {"id": chat}}
        upload = teams.connector.upload_info("stolen.md")
        reply = await teams.user.post(consent_answer(teams.user, theirs, "accept", person, upload=upload))
        assert reply.status == 200
        await in_chat(teams, lambda a: texts.UPLOAD_GONE.split(":")[0] in text_of(a), "refused", person)
    tampered = context | {"token": context["token"][:-4] + "AAAA"}
    upload = teams.connector.upload_info("tampered.md")
    await teams.user.post(consent_answer(teams.user, card, "accept", upload=upload, context=tampered))
    chat = teams.connector.personal_conversation_id(DANA.id)
    await wait_count(teams, lambda a: texts.UPLOAD_GONE.split(":")[0] in text_of(a), 1, chat)
    assert teams.connector.puts == [] and teams.connector.uploaded() == {}
    strange = consent_answer(teams.user, card, "accept", upload=upload, context={"filename": "notes.md"})
    assert (await teams.user.post(strange)).status == 200  # a context that is not ours: explained, nothing done
    await wait_count(teams, lambda a: texts.CONSENT_UNREADABLE in text_of(a), 1, chat)
    assert teams.connector.puts == []


async def test_in_a_channel_the_export_stays_a_card_with_its_download_link(teams: Teams) -> None:
    await teams.user.channel_message("start vpn-wont-connect")
    root = teams.user.last_activity["id"]
    await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", TEAM_ID)
    await teams.user.channel_message("export md", thread=root)
    exported = await wait_sent(teams, lambda a: "/share/file/" in text_of(a), "the export card", TEAM_ID)
    assert "Export (md)" in text_of(exported) and not file_cards(exported, CONSENT)
    assert not any(file_cards(a, CONSENT) for a in teams.connector.sent())

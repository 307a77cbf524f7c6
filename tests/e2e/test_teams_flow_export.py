"""`flow export KEY [vN]` in Teams, end to end: the real served app, Bot Framework tokens, the fake connector and its
OneDrive upload sessions.

* In Dana's 1:1 chat the flow's YAML comes as a file-consent card (the YAML itself is not in it). She allows it: the
  invoke is answered at once, the YAML is made again from the stored version, PUT into the upload session Teams
  opened in her OneDrive (it loads back as the same flow), a file-info card shows it, and the consent card is
  replaced in place by "Uploaded <name>" with nothing to press. A second Allow on that card uploads nothing more.
* `flow export KEY v1`, declined: nothing is uploaded, the card says "Not uploaded", and the download link offered
  instead serves the YAML from the served app.
* The card's context is only good for Dana: Pat (same team) answering with it uploads nothing.
* In a channel thread and in a group chat (bots cannot upload there) the YAML is a code card headed by a signed
  download link, which the served app answers with the YAML.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.flows.loader import parse_flow_text
from bot.handlers.teams import texts
from tests.e2e.teams_server import Teams, actions_in, teams_session, text_of, wait_count, wait_sent, wait_updated
from tests.fakes.connector_uploads import CONSENT, INFO, consent_answer, file_cards
from tests.fakes.teams_roster import DANA, PAT, TEAM_ID, TeamsUser

FLOW = "vpn-wont-connect"
NAME = f"{FLOW}.yaml"
LINK = re.compile(r"https?://[^\s)\]>]+/share/file/[A-Za-z0-9_.-]+")


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch) as session:
        session.connector.add_user(PAT)
        yield session


def chat_of(teams: Teams, user: TeamsUser = DANA) -> str:
    return teams.connector.personal_conversation_id(user.id)


async def consent_card(teams: Teams, command: str, n: int = 1) -> dict[str, Any]:
    """Dana asks for ``command`` in her 1:1 chat; the ``n``-th consent card there."""
    await teams.user.personal_message(command)
    cards = await wait_count(teams, lambda a: bool(file_cards(a, CONSENT)), n, chat_of(teams))
    return cards[n - 1]


async def fetch(teams: Teams, link: str) -> tuple[int, str, str]:
    """GET a download link from the served app: status, body, Content-Disposition."""
    async with aiohttp.ClientSession() as http, http.get(teams.bot.url + urlsplit(link).path) as response:
        return response.status, await response.text(), response.headers.get("Content-Disposition", "")


def answered(teams: Teams, card: dict[str, Any]) -> dict[str, Any] | None:
    """What the consent card shows now (its latest replacement applied)."""
    return teams.connector.message(card["id"], card["conversation"]["id"])


async def test_a_flow_allowed_in_a_1_1_chat_lands_in_onedrive_and_its_card_is_spent(teams: Teams) -> None:
    await teams.user.personal_message("help")  # Dana: the team's first member
    await wait_sent(teams, lambda a: "ResolutionFlow commands" in text_of(a), "help", chat_of(teams))
    card = await consent_card(teams, f"flow export {FLOW}")
    (consent,) = file_cards(card, CONSENT)
    assert consent["name"] == NAME and consent["content"]["description"].startswith(f"Flow YAML: {NAME}")
    assert consent["content"]["acceptContext"]["rf"] == "export.v1" and "nodes:" not in str(card)

    upload = teams.connector.upload_info(NAME)
    assert (await teams.user.post(consent_answer(teams.user, card, "accept", upload=upload))).status == 200
    shown = await wait_sent(teams, lambda a: bool(file_cards(a, INFO)), "the file-info card", chat_of(teams))
    assert file_cards(shown, INFO)[0]["content"] == {"uniqueId": upload["uniqueId"], "fileType": "yaml"}
    flow = parse_flow_text(teams.connector.uploaded()[NAME].decode(), NAME)
    assert flow.key == FLOW and len(teams.connector.uploaded()[NAME]) == consent["content"]["sizeInBytes"]

    spent = await wait_updated(teams, card["id"], lambda u: NAME in text_of(u), "the consent card replaced")
    assert texts.CARD_UPLOADED.format(filename=NAME) in text_of(spent) and not actions_in(spent)
    now = answered(teams, card)
    assert (
        now is not None and not file_cards(now, CONSENT) and texts.CARD_UPLOADED.format(filename=NAME) in text_of(now)
    )

    again = teams.connector.upload_info(NAME)  # a stale copy of the card, pressed again
    assert (await teams.user.post(consent_answer(teams.user, card, "accept", upload=again))).status == 200
    await wait_sent(teams, lambda a: texts.CONSENT_ANSWERED in text_of(a), "already answered", chat_of(teams))
    assert [p.status for p in teams.connector.puts] == [201] and len(teams.connector.uploaded()) == 1


async def test_a_declined_flow_offers_its_download_link_and_the_card_says_not_uploaded(teams: Teams) -> None:
    await teams.user.personal_message("help")
    await wait_sent(teams, lambda a: "ResolutionFlow commands" in text_of(a), "help", chat_of(teams))
    card = await consent_card(teams, f"flow export {FLOW} v1")
    assert (await teams.user.post(consent_answer(teams.user, card, "decline"))).status == 200
    offered = await wait_sent(teams, lambda a: "nothing was uploaded" in text_of(a), "the link", chat_of(teams))
    spent = await wait_updated(teams, card["id"], lambda u: texts.CARD_NOT_UPLOADED in text_of(u), "card replaced")
    assert not actions_in(spent) and teams.connector.puts == []
    status, body, disposition = await fetch(teams, max(LINK.findall(text_of(offered)), key=len))
    assert status == 200 and NAME in disposition and parse_flow_text(body, NAME).key == FLOW


async def test_the_cards_context_uploads_nothing_for_a_teammate(teams: Teams) -> None:
    await teams.user.personal_message("help")
    await wait_sent(teams, lambda a: "ResolutionFlow commands" in text_of(a), "help", chat_of(teams))
    card = await consent_card(teams, f"flow export {FLOW}")
    await teams.user.personal_message("help", PAT)
    theirs = card | {"conversation": {"id": chat_of(teams, PAT)}}
    upload = teams.connector.upload_info("stolen.yaml")
    assert (await teams.user.post(consent_answer(teams.user, theirs, "accept", PAT, upload=upload))).status == 200
    gone = texts.UPLOAD_GONE.split(":")[0]
    await wait_sent(teams, lambda a: gone in text_of(a), "refused", chat_of(teams, PAT))
    assert teams.connector.puts == [] and teams.connector.uploaded() == {}


async def test_in_a_channel_or_group_chat_the_flow_is_a_code_card_headed_by_its_link(teams: Teams) -> None:
    await teams.user.channel_message("help")
    await wait_sent(teams, lambda a: "ResolutionFlow commands" in text_of(a), "help", TEAM_ID)
    await teams.user.channel_message(f"flow export {FLOW}")
    posted = await wait_sent(teams, lambda a: "/share/file/" in text_of(a), "the YAML card", TEAM_ID)
    shown = text_of(posted)
    assert f"Flow YAML — {NAME}" in shown and not file_cards(posted, CONSENT)
    link = max(LINK.findall(shown), key=len)
    status, body, disposition = await fetch(teams, link)
    assert status == 200 and f'filename="{NAME}"' in disposition and parse_flow_text(body, NAME).key == FLOW

    group = "19:group-dana-pat@thread.v2"
    await teams.user.group_message(f"flow export {FLOW}", group)
    posted = await wait_sent(teams, lambda a: "/share/file/" in text_of(a), "the YAML card in the group", group)
    assert not file_cards(posted, CONSENT)
    assert not any(file_cards(a, CONSENT) for a in teams.connector.sent())

"""Teams does what Slack does, what people type and what a team admin keys in: links and mention markup from users (and
from a ticket in ConnectWise) reach the cards neutralised, with no mention entity made for them; a team admin connects
ConnectWise through a card form in the personal chat, the keys never come back in a card or a log, and a bad key
stores nothing; `admin` words that are everyday sentences still reach FlowPilot."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.store.secrets import generate_key
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import (
    Teams,
    form_inputs,
    submit_form,
    teams_session,
    text_of,
    wait_sent,
    walk,
)
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.teams_roster import DANA, TEAM_ID

Json = dict[str, Any]
EVIL = "see [click](https://evil.example) <at>Everyone</at> and **bold** _it_"
LINK = re.compile(r"\]\s*\(https://evil", re.IGNORECASE)
TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE)


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    """The served bot with Teams (auth on) and ConnectWise, on each kind of database."""
    async with teams_session(migrated_url, monkeypatch, connectwise=True) as session:
        yield session


def _cards(connector: FakeBotConnector) -> Iterator[Json]:
    """Every Adaptive Card the bot sent or put in place of another."""
    for activity in [*connector.delivered(), *connector.updates()]:
        yield from FakeBotConnector.cards_in(activity)


def _rendered_texts(card: Json) -> list[str]:
    """What Teams renders as markdown in a card: TextBlock texts and fact titles/values (CodeBlocks are literal)."""
    found = [str(o["text"]) for o in walk(card.get("body")) if o.get("type") == "TextBlock"]
    return found + [str(f[k]) for o in walk(card.get("body")) for f in o.get("facts", []) for k in ("title", "value")]


async def test_links_and_mention_markup_people_type_are_shown_neutralised(teams: Teams) -> None:
    cw, user = teams.cw, teams.user
    assert cw is not None
    cw.add_ticket(4242, f"Printer down, {EVIL}")
    await user.channel_message(f"start printer-offline #4242 {EVIL}")
    root = user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    card = await wait_sent(teams, lambda a: "evil.example" in text_of(a) and "Problem" in text_of(a), "card", thread)
    await wait_sent(teams, lambda a: "Printer down" in text_of(a) and "4242" in text_of(a), "the ticket card", thread)
    await user.channel_message(EVIL, thread=root, mention=False)  # a note, typed in the thread
    await wait_sent(teams, lambda a: "Note saved" in text_of(a), "the note notice", thread)
    await user.channel_message("export md", thread=root)
    export = await wait_sent(teams, lambda a: "Export (md)" in str(a.get("summary")), "the export", thread)
    assert "https://evil.example" in json.dumps(export), "the text is all there, only its markup is broken"

    shown = "\n".join(t for c in _cards(teams.connector) for t in _rendered_texts(c))
    assert "click" in shown and "evil.example" in shown and "**bold**" in shown
    assert not LINK.search(shown), "no hidden-target link"
    for card_json in _cards(teams.connector):
        tags = {m.group(1) for t in _rendered_texts(card_json) for m in TAG.finditer(t)}
        entities = card_json.get("msteams", {}).get("entities", [])
        assert tags <= {"Dana Tech"}, tags  # only the bot's own mentions of the person it addresses
        assert {e["text"] for e in entities} == {f"<at>{t}</at>" for t in tags}
        assert all(e["mentioned"]["id"] == DANA.id for e in entities)
    assert "Everyone" in text_of(card) and "<at>Everyone" not in text_of(card)


async def test_a_team_admin_connects_connectwise_from_the_personal_chat(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with FakeConnectWise() as cw:
        cw.add_ticket(12345, "VPN drops every hour for the whole office")
        creds = cw.credentials()
        values = {
            "site_url": creds.site_url,
            "company_id": creds.company_id,
            "public_key": creds.public_key,
            "private_key": creds.private_key,
            "client_id": creds.client_id,
        }
        async with teams_session(migrated_url, monkeypatch, secret_keys=generate_key()) as teams:
            user, connector = teams.user, teams.connector
            chat = connector.personal_conversation_id(DANA.id)
            await user.personal_message("admin psa")  # Dana is the team's first user: its admin
            form = await wait_sent(teams, lambda a: bool(form_inputs(a)), "the connection form", chat)
            masked = {str(i["id"]) for i in form_inputs(form) if i.get("style") == "password"}
            assert masked == {"rf.in.public_key", "rf.in.private_key"}

            bad = values | {"private_key": "wrong-" + creds.private_key[::-1]}
            await submit_form(teams, form, bad)
            await wait_sent(teams, lambda a: "Not connected" in text_of(a), "the failed check", chat)
            assert await _stored(teams) == [], "a bad key changes nothing"

            await user.personal_message("admin psa")
            await eventually(_two_forms(connector, chat), "a fresh form")
            form = [a for a in connector.sent(chat) if form_inputs(a)][-1]
            await submit_form(teams, form, values)
            await wait_sent(teams, lambda a: "Connected to ConnectWise company" in text_of(a), "connected", chat)
            assert len(await _stored(teams)) == 1

            await user.channel_message("start vpn-wont-connect #12345")
            await wait_sent(teams, lambda a: "Contoso Dental" in text_of(a), "the ticket from the stored connection")

            outbound = json.dumps([c.body for c in connector.log])
            for secret in (creds.private_key, creds.public_key, bad["private_key"]):
                assert secret not in outbound, "never echoed in a card"
                assert secret not in caplog.text, "never logged"
            dump = await _table_dump(teams)
            assert creds.private_key not in dump and creds.public_key not in dump, "no key in clear anywhere"


def _two_forms(connector: FakeBotConnector, chat: str) -> Any:
    async def check() -> bool:
        return len([a for a in connector.sent(chat) if form_inputs(a)]) >= 2

    return check


async def _stored(teams: Teams) -> list[Any]:
    async with teams.app.database.engine.connect() as conn:
        return list((await conn.execute(text("SELECT * FROM psa_connections"))).all())


async def _table_dump(teams: Teams) -> str:
    async with teams.app.database.engine.connect() as conn:
        rows = [*(await conn.execute(text("SELECT payload FROM inbox"))).all()]
        rows += [*(await conn.execute(text("SELECT * FROM psa_connections"))).all()]
    return " ".join(str(r) for r in rows)


async def test_only_an_admin_command_is_a_command(teams: Teams) -> None:
    """`admin psa` is a command in Teams (which has no slash command to reach it), but a sentence that merely starts
    with "admin" is a question for FlowPilot (not configured here: it says so), not an error about admin commands."""
    user = teams.user
    chat = teams.connector.personal_conversation_id(DANA.id)
    await user.personal_message("admin account locked out after the password change")
    told = await wait_sent(teams, lambda a: bool(text_of(a).strip()), "an answer", chat)
    assert "Admin commands" not in text_of(told)
    await user.personal_message("admin members")
    await wait_sent(teams, lambda a: "Dana Tech" in text_of(a) and "member" in text_of(a).lower(), "members", chat)

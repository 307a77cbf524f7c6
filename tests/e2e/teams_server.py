"""The real ``rfbot serve`` application on 127.0.0.1:0 with Teams configured, against the loopback Bot Connector and
Entra fakes (and ConnectWise when asked), plus readers for the cards the connector received."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from bot.app import App, build_app
from bot.config import Settings
from bot.engine.ports import Clock
from tests.e2e.slack_server import RunningBot, import_bundled
from tests.e2e.slack_transcript import eventually
from tests.fakes.bot_connector import MESSAGE_LIMIT, FakeBotConnector
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.entra import APP_ID, APP_SECRET, TENANT_ID, FakeEntra
from tests.fakes.teams_driver import TeamsDriver, TeamsReply
from tests.fakes.teams_roster import DANA, TeamsUser

Json = dict[str, Any]


@dataclass
class Teams:
    """Everything a Teams transcript test needs."""

    connector: FakeBotConnector
    bot: RunningBot
    user: TeamsDriver
    entra: FakeEntra | None = None
    cw: FakeConnectWise | None = None

    @property
    def app(self) -> App:
        """The composed application."""
        return self.bot.app


def teams_settings(database_url: str, *, anonymous: bool = False, **overrides: Any) -> Settings:
    """Settings with Teams on (the fakes' app id, secret and tenant); cards updated with every step."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "teams_client_id": APP_ID,
        "teams_client_secret": APP_SECRET,
        "teams_tenant_id": TENANT_ID,
        "teams_anonymous_allowed": anonymous,
        "card_update_delay": 0,  # cards updated with every step, so transcripts are deterministic
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@asynccontextmanager
async def serve(app: App) -> AsyncIterator[RunningBot]:
    """Serve ``app`` (worker included) on 127.0.0.1:0 until the block exits."""
    await import_bundled(app)
    runner = web.AppRunner(app.web_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield RunningBot(f"http://127.0.0.1:{runner.addresses[0][1]}", app)
    finally:
        await runner.cleanup()


@asynccontextmanager
async def teams_session(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    auth: bool = True,
    connectwise: bool = False,
    max_message_bytes: int = MESSAGE_LIMIT,
    clock: Clock | None = None,
    **overrides: Any,
) -> AsyncIterator[Teams]:
    """The fakes (Entra and a token-checking connector when ``auth``; an anonymous connector otherwise), the bot
    served against them, and a driver posting as Teams. With ``connectwise`` the CW_* connection points at a fake
    ConnectWise with ticket #12345 and Dana as member ``dtech`` (matched by e-mail). ``max_message_bytes`` is the
    connector's size limit (Teams counts UTF-16); ``clock`` replaces the system clock (with a ``FakeClock``, schedules
    fire when the test moves it and calls ``teams.bot.fire_due()``); ``overrides`` are ``Settings`` fields."""
    async with AsyncExitStack() as stack:
        entra = await stack.enter_async_context(FakeEntra()) if auth else None
        if entra is not None:
            entra.patch_sdk(monkeypatch)
        connector = await stack.enter_async_context(FakeBotConnector(entra, max_message_bytes=max_message_bytes))
        cw = await stack.enter_async_context(FakeConnectWise()) if connectwise else None
        if cw is not None:
            cw.add_ticket(12345, "VPN drops every hour for the whole office")
            cw.add_member(7, "dtech", "Dana", "Tech", email=DANA.email)
            creds = cw.credentials()
            overrides |= {
                "cw_site_url": creds.site_url,
                "cw_company_id": creds.company_id,
                "cw_public_key": creds.public_key,
                "cw_private_key": creds.private_key,
                "cw_client_id": creds.client_id,
            }
        app = build_app(teams_settings(database_url, anonymous=not auth, **overrides), clock=clock)
        bot = await stack.enter_async_context(serve(app))
        user = await stack.enter_async_context(TeamsDriver(bot.url, connector, entra))
        yield Teams(connector, bot, user, entra, cw)


# ---- reading what the connector received ----------------------------------------------------------------------------
def walk(value: Any) -> Iterator[Json]:
    """Every JSON object inside ``value``, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def text_of(activity: Json) -> str:
    """Every ``text`` of an activity's cards (and its summary, and facts as ``title: value``), as one searchable
    string."""
    cards = FakeBotConnector.cards_in(activity)
    found = [str(o["text"]) for card in cards for o in walk(card) if isinstance(o.get("text"), str)]
    facts = [f for card in cards for o in walk(card) if o.get("type") == "FactSet" for f in o.get("facts", [])]
    found += [f"{f.get('title')}: {f.get('value')}" for f in facts]
    return "\n".join([str(activity.get("summary", "")), str(activity.get("text", "")), *found])


def action(activity: Json, title: str) -> Json:
    """The ``Action.Execute`` titled ``title`` on the activity's card."""
    for card in FakeBotConnector.cards_in(activity):
        for item in walk(card):
            if item.get("type") == "Action.Execute" and item.get("title") == title:
                return item
    raise AssertionError(f"no {title!r} action in {json.dumps(activity)[:2000]}")


def actions_in(activity: Json) -> list[str]:
    """Titles of the Action.Execute buttons on the activity's cards."""
    return [
        str(item.get("title"))
        for card in FakeBotConnector.cards_in(activity)
        for item in walk(card)
        if item.get("type") == "Action.Execute"
    ]


def sent_digest(teams: Teams) -> str:
    """One line per message the bot delivered or replaced (for failure messages)."""
    lines = [f"SENT {a['id']} {text_of(a)[:200]!r}" for a in teams.connector.delivered()]
    return "\n".join(lines + [f"PUT {u['id']} {text_of(u)[:200]!r}" for u in teams.connector.updates()])


async def wait_sent(teams: Teams, predicate: Any, what: str, conversation_id: str | None = None) -> Json:
    """The first message the bot delivered (send, reply or create) that matches ``predicate`` (waits for it)."""
    found: list[Json] = []

    async def check() -> bool:
        found[:] = [a for a in teams.connector.sent(conversation_id) if predicate(a)]
        return bool(found)

    try:
        await eventually(check, what)
    except AssertionError as err:
        raise AssertionError(f"{err}; the bot sent:\n{sent_digest(teams)}") from None
    return found[0]


async def wait_updated(teams: Teams, activity_id: str, predicate: Any, what: str) -> Json:
    """The latest accepted PUT of ``activity_id`` once one matches ``predicate``."""
    found: list[Json] = []

    async def check() -> bool:
        found[:] = [u for u in teams.connector.updates() if u["id"] == activity_id and predicate(u)]
        return bool(found)

    await eventually(check, what)
    return found[-1]


def button(activity: Json, starts: str) -> Json:
    """The ``Action.Execute`` whose title starts with ``starts`` on the activity's cards."""
    for card in FakeBotConnector.cards_in(activity):
        for item in walk(card):
            if item.get("type") == "Action.Execute" and str(item.get("title", "")).startswith(starts):
                return item
    raise AssertionError(f"no action starting {starts!r} in {json.dumps(activity)[:2000]}")


def form_inputs(activity: Json) -> list[Json]:
    """The ``Input.*`` elements of the activity's cards (a form card has some)."""
    return [o for o in walk(activity.get("attachments")) if str(o.get("type", "")).startswith("Input.")]


async def click(teams: Teams, activity: Json, starts: str, user: TeamsUser = DANA) -> TeamsReply:
    """``user`` presses the button whose title starts with ``starts`` (``Action.Execute``)."""
    pressed = button(activity, starts)
    return await teams.user.execute(activity, pressed["verb"], pressed["data"], user)


async def submit_form(teams: Teams, form: Json, values: dict[str, str], user: TeamsUser = DANA) -> TeamsReply:
    """``user`` fills the form card's inputs (by input name; pre-filled ones keep their value unless given) and
    presses its submit button: Teams merges the input values into the action's data, keyed by input id."""
    submit = next(
        item
        for card in FakeBotConnector.cards_in(form)
        for item in walk(card)
        if item.get("type") == "Action.Execute" and str(item.get("verb", "")).startswith("rf.form.")
    )
    filled = {str(i["id"]): str(i["value"]) for i in form_inputs(form) if "value" in i}
    data = submit["data"] | filled | {f"rf.in.{name}": value for name, value in values.items()}
    return await teams.user.execute(form, submit["verb"], data, user)


async def wait_count(teams: Teams, predicate: Any, n: int, conversation_id: str | None = None) -> list[Json]:
    """Wait until at least ``n`` delivered messages match ``predicate``; returns them."""
    found: list[Json] = []

    async def check() -> bool:
        found[:] = [a for a in teams.connector.sent(conversation_id) if predicate(a)]
        return len(found) >= n

    await eventually(check, f"{n} matching messages")
    return found

"""Which Microsoft 365 tenants a Teams bot serves, over HTTP: the real served app, Bot Framework tokens, the fake
connector.

* Single-tenant (``RFBOT_TEAMS_APP_TYPE=SingleTenant``, the tenant of TENANTID): Dana, of that tenant, is answered.
  Eve, of another tenant, is refused whatever she sends -- a message (by ``channelData.tenant.id``, or by
  ``conversation.tenantId`` alone), a card action, an answer to a file card: HTTP 202 with no body for a message and
  an invoke response for an invoke, as the Bot Framework expects; no team is created, nothing reaches the inbox, no
  user is added, nothing is sent to her; one log line per activity says so, without secrets.
* Multi-tenant (the default): Eve's tenant becomes a team of its own and she is answered.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.handlers.teams import texts
from tests.e2e.teams_server import Teams, teams_session, text_of, wait_count
from tests.fakes.entra import APP_SECRET, TENANT_ID
from tests.fakes.teams_roster import DANA, TeamsUser

OTHER_TENANT = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
EVE = TeamsUser(
    "29:1eve-other", "Eve Other", "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "eve@fabrikam.example", OTHER_TENANT
)
REFUSED = "refused: this bot is single-tenant"


@pytest.fixture
async def single(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch, teams_app_type="SingleTenant") as session:
        session.connector.add_user(EVE)
        yield session


@pytest.fixture
async def multi(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch) as session:
        session.connector.add_user(EVE)
        yield session


def chat_of(teams: Teams, user: TeamsUser) -> str:
    return teams.connector.personal_conversation_id(user.id)


async def stored(teams: Teams) -> tuple[list[str], int, int]:
    """The teams' names, and how many users and inbox events there are."""
    async with teams.app.database.uow() as uow:
        names = sorted(t.name for t in await uow.teams.every())
    async with teams.app.database.engine.connect() as conn:
        users = await conn.scalar(text("SELECT count(*) FROM users"))
        inbox = await conn.scalar(text("SELECT count(*) FROM inbox"))
    return names, int(users or 0), int(inbox or 0)


async def helped(teams: Teams, user: TeamsUser, n: int = 1) -> dict[str, Any]:
    await teams.user.personal_message("help", user)
    found = await wait_count(teams, lambda a: "ResolutionFlow commands" in text_of(a), n, chat_of(teams, user))
    return found[n - 1]


async def test_a_single_tenant_bot_refuses_other_tenants_and_keeps_nothing_of_them(
    single: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    card = await helped(single, DANA)  # the home tenant is served
    before = await stored(single)
    assert before[0] == [f"teams:{TENANT_ID}"]
    caplog.set_level(logging.INFO, logger="bot.handlers.teams.http")

    message = await single.user.personal_message("help", EVE)
    assert (message.status, message.body) == (202, "")
    only_conversation = single.user.activity("message", chat_of(single, EVE), EVE, text="help")
    only_conversation["channelData"].pop("tenant")  # the tenant named by conversation.tenantId alone
    assert only_conversation["conversation"]["tenantId"] == OTHER_TENANT
    assert (await single.user.post(only_conversation)).status == 202
    pressed = await single.user.execute(card, "rf.help", user=EVE)  # a card action from the other tenant
    assert pressed.status == 200 and pressed.body["value"] == texts.FOREIGN_TENANT
    value = {"type": "fileUpload", "action": "decline", "context": {"rf": "export.v1", "token": "a.b"}}
    consent = single.user.activity("invoke", chat_of(single, EVE), EVE, name="fileConsent/invoke", value=value)
    answered = await single.user.post(consent)
    assert answered.status == 200 and answered.body["value"] == texts.FOREIGN_TENANT

    assert await stored(single) == before  # no team, no user, nothing in the inbox
    await helped(single, DANA, 2)  # the bot goes on serving its own tenant
    assert single.connector.sent(chat_of(single, EVE)) == [] and single.connector.calls_for("create") == []
    lines = [r.getMessage() for r in caplog.records if REFUSED in r.getMessage()]
    assert len(lines) == 4 and all(OTHER_TENANT in line for line in lines)
    assert not any(APP_SECRET in line or "Bearer" in line or "eyJ" in line for line in lines)


async def test_a_multi_tenant_bot_makes_each_tenant_a_team_of_its_own(
    multi: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    await helped(multi, DANA)
    caplog.set_level(logging.INFO, logger="bot.handlers.teams.http")
    answer = await helped(multi, EVE)
    assert "ResolutionFlow commands" in text_of(answer)
    names, _, _ = await stored(multi)
    assert names == sorted([f"teams:{TENANT_ID}", f"teams:{OTHER_TENANT}"])
    assert not any(REFUSED in r.getMessage() for r in caplog.records)

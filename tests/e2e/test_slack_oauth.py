"""Multi-workspace Slack: install through /slack/install + /slack/oauth_redirect into two workspaces, then each
workspace's traffic lands in its own team, answered with its own bot token, and neither sees the other's data."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from sqlalchemy import select

from bot.engine.model import SessionStatus
from bot.store.secrets import generate_key
from bot.store.tables import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES
from tests.e2e.slack_server import SIGNING_SECRET, RunningBot, running_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver

TOKENS = {"T1": "xoxb-oauth-T1-aaaaaaaaaaaaaaaaaaaaaaaa", "T2": "xoxb-oauth-T2-bbbbbbbbbbbbbbbbbbbbbbbb"}


@dataclass
class Installed:
    api: FakeSlackApi
    bot: RunningBot
    driver: SlackDriver


async def install(bot_url: str, api: FakeSlackApi, team: str, code: str) -> tuple[int, str]:
    """A browser going through the install page and back from Slack with ``code``. The state cookie is marked
    ``Secure`` (production is https), so it is handed back by hand over the loopback's plain http."""
    api.add_oauth_code(code, team, f"Workspace {team}", TOKENS[team], authed_user_id=f"U{team}admin")
    async with aiohttp.ClientSession() as browser:
        async with browser.get(bot_url + "/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.cookies["slack-app-oauth-state"]
        assert cookie["secure"] and cookie["httponly"]
        state = re.search(r"state=([\w-]+)", html)
        assert state is not None and state.group(1) == cookie.value, html
        headers = {"Cookie": f"slack-app-oauth-state={cookie.value}"}
        back = f"{bot_url}/slack/oauth_redirect?code={code}&state={cookie.value}"
        async with browser.get(back, headers=headers) as done:
            return done.status, await done.text()


@pytest.fixture
async def installed(migrated_url: str) -> AsyncIterator[Installed]:
    async with FakeSlackApi() as api:
        api.workspaces.pop("T1")  # nothing is installed until the OAuth flow says so
        api.tokens.clear()
        oauth = {
            "slack_bot_token": None,
            "slack_client_id": api.client_id,
            "slack_client_secret": api.client_secret,
            "secret_keys": generate_key(),
        }
        async with running_bot(migrated_url, api.base_url, **oauth) as bot:
            for team, code in (("T1", "code-1"), ("T2", "code-2")):
                status, page = await install(bot.url, api, team, code)
                assert status == 200, page
            api.add_user("T1", "U1", "Alice Ng", "alice@one.example")
            api.add_user("T2", "U1", "Bruno Silva", "bruno@two.example")  # same user id, other workspace
            async with SlackDriver(bot.url, SIGNING_SECRET, api) as driver:
                yield Installed(api, bot, driver)


def posts_in(api: FakeSlackApi, team: str) -> list[dict]:  # type: ignore[type-arg]
    token = TOKENS[team]
    return [
        dict(c.data)
        for c in api.calls
        if c.path.endswith("chat.postMessage") and c.headers.get("authorization") == f"Bearer {token}"
    ]


async def test_two_workspaces_installed_by_oauth_keep_their_data_apart(installed: Installed) -> None:
    api, bot, driver = installed.api, installed.bot, installed.driver
    assert [c for c in api.calls if c.path.endswith("oauth.v2.access")], "the code was exchanged"
    async with bot.app.database.engine.connect() as conn:
        rows = [*(await conn.execute(select(SLACK_INSTALLATIONS))).mappings()]
        bots = [*(await conn.execute(select(SLACK_BOTS))).mappings()]
        states = [*(await conn.execute(select(SLACK_OAUTH_STATES))).mappings()]
    assert sorted(r["team_id"] for r in rows) == ["T1", "T2"] and len(bots) == 2
    assert all("xoxb" not in (r["bot_token"] or "") for r in (*rows, *bots)), "tokens are encrypted at rest"
    assert states == [], "each state was consumed"

    await driver.slash_command("start vpn-wont-connect #111 drops hourly", user_id="U1", channel_id="C1", team_id="T1")
    await api.wait_for(lambda c: c.path.endswith("chat.postMessage") and "Bearer " + TOKENS["T1"] in str(c.headers))
    await driver.slash_command("list", user_id="U1", channel_id="C9", team_id="T2")
    await driver.slash_command("status", user_id="U1", channel_id="C1", team_id="T2")
    await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral") and TOKENS["T2"] in str(c.headers), 10.0)
    await api.wait_for(lambda c: len([x for x in api.calls if x.path.endswith("chat.postEphemeral")]) == 2, 10.0)

    assert posts_in(api, "T1") and not any("#111" in str(p) for p in posts_in(api, "T2"))
    async with bot.app.database.uow() as uow:
        one = await uow.teams.get_by_name("slack:T1")
        two = await uow.teams.get_by_name("slack:T2")
        assert one is not None and two is not None and one.id != two.id
        alice = await uow.users.by_identity(one.id, "slack", "U1")
        bruno = await uow.users.by_identity(two.id, "slack", "U1")
        assert alice is not None and bruno is not None and alice.id != bruno.id
        assert len(await uow.sessions.for_engineer(one.id, alice.id, list(SessionStatus), 10)) == 1
        assert await uow.sessions.for_engineer(two.id, bruno.id, list(SessionStatus), 10) == []
    told = [str(c.data.get("text")) for c in api.calls if c.path.endswith("chat.postEphemeral")]
    assert len(told) == 2 and not any("#111" in t or "vpn" in t.lower() for t in told), told
    for call in api.calls:  # every call to the Web API carried the token of the workspace it was about
        if call.path.endswith(("chat.postMessage", "chat.postEphemeral")):
            assert call.headers.get("authorization") in {f"Bearer {t}" for t in TOKENS.values()}


async def test_a_forged_or_replayed_state_installs_nothing(migrated_url: str) -> None:
    async with FakeSlackApi() as api:
        oauth = {"slack_bot_token": None, "slack_client_id": api.client_id, "slack_client_secret": api.client_secret}
        async with running_bot(migrated_url, api.base_url, secret_keys=generate_key(), **oauth) as bot:
            api.add_oauth_code("code-x", "T3", "Three", "xoxb-oauth-T3-cccccccccccccccccccccccc")
            async with (
                aiohttp.ClientSession() as browser,
                browser.get(bot.url + "/slack/oauth_redirect?code=code-x&state=forged") as page,
            ):
                assert page.status == 400
            async with bot.app.database.engine.connect() as conn:
                assert [*(await conn.execute(select(SLACK_INSTALLATIONS)))] == []
            assert not [c for c in api.calls if c.path.endswith("oauth.v2.access")]


async def test_oauth_without_secret_keys_refuses_to_start(migrated_url: str) -> None:
    from bot.store.secrets import SecretsError

    with pytest.raises(SecretsError, match="rfbot keys generate"):
        async with running_bot(migrated_url, "http://127.0.0.1:9", slack_client_id="cid", slack_client_secret="s"):
            pass


async def test_uninstalling_forgets_the_workspace_tokens(installed: Installed) -> None:
    reply = await installed.driver.event({"type": "app_uninstalled", "event_ts": "1700000100.000100"}, team_id="T2")
    assert reply.status == 200

    async def installed_teams() -> set[str]:
        async with installed.bot.app.database.engine.connect() as conn:
            found = set()
            for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
                found |= {f"{table.name}:{r['team_id']}" for r in (await conn.execute(select(table))).mappings()}
            return found

    for _ in range(300):  # bolt removes the installation after acknowledging the event
        if await installed_teams() == {"slack_installations:T1", "slack_bots:T1"}:
            break
        await asyncio.sleep(0.01)
    assert await installed_teams() == {"slack_installations:T1", "slack_bots:T1"}

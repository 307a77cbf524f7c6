"""Cross-tenant ids at the HTTP layer (the engine's side is ``tests/integration/engine/test_isolation.py``).

* Slack, two workspaces installed by OAuth: workspace B, correctly signed (it is the same Slack app), replays every
  button of workspace A's session card and step with A's session id, state version and message ids, types in A's
  thread, and submits A's resolve modal (its ``private_metadata``). A's session, timeline and notes are unchanged;
  no Web API call is made for workspace A (nothing posted, updated or opened there); B is answered in B only, and
  nothing B is shown names A's session.
* Teams: a person of another tenant presses the buttons of tenant A's session cards in A's conversation (A's
  conversation id and card ids; the activity's tenant is theirs). A's session is unchanged and nothing sent back
  shows A's session.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.engine.model import SessionStatus
from bot.store.secrets import generate_key
from tests.e2e.slack_server import SIGNING_SECRET, RunningBot, running_bot
from tests.e2e.slack_transcript import blocks_of, eventually, text_fields
from tests.e2e.teams_server import teams_session, text_of, wait_sent, walk
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import TENANT_ID
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_blocks import buttons_in
from tests.fakes.slack_driver import SlackDriver
from tests.fakes.teams_roster import DANA, TEAM_ID, TeamsUser

TOKENS = {"T1": "xoxb-oauth-T1-aaaaaaaaaaaaaaaaaaaaaaaa", "T2": "xoxb-oauth-T2-bbbbbbbbbbbbbbbbbbbbbbbb"}
A_WORDS = ("VPN will not connect", "drops hourly", "#111", "public website", "vpn-wont-connect")
WAIT_S = 10.0
OTHER_TENANT = "f1e2d3c4-b5a6-4798-8a9b-0c1d2e3f4a5b"


@dataclass
class Workspaces:
    api: FakeSlackApi
    bot: RunningBot
    driver: SlackDriver


async def install(bot_url: str, api: FakeSlackApi, team: str, code: str) -> None:
    """Install the app into ``team`` through /slack/install and /slack/oauth_redirect (as a browser would)."""
    api.add_oauth_code(code, team, f"Workspace {team}", TOKENS[team], authed_user_id=f"U{team}admin")
    async with aiohttp.ClientSession() as browser:
        async with browser.get(bot_url + "/slack/install") as page:
            cookie = page.cookies["slack-app-oauth-state"]
        back = f"{bot_url}/slack/oauth_redirect?code={code}&state={cookie.value}"
        async with browser.get(back, headers={"Cookie": f"slack-app-oauth-state={cookie.value}"}) as done:
            assert done.status == 200, await done.text()


@pytest.fixture
async def workspaces(migrated_url: str) -> AsyncIterator[Workspaces]:
    async with FakeSlackApi() as api:
        api.workspaces.pop("T1")
        api.tokens.clear()
        oauth = {"slack_bot_token": None, "slack_client_id": api.client_id, "slack_client_secret": api.client_secret}
        async with running_bot(migrated_url, api.base_url, secret_keys=generate_key(), **oauth) as bot:
            for team, code in (("T1", "code-1"), ("T2", "code-2")):
                await install(bot.url, api, team, code)
            api.add_user("T1", "U1", "Alice Ng", "alice@one.example")
            api.add_user("T2", "U1", "Bruno Silva", "bruno@two.example")  # the same user and channel ids in B
            async with SlackDriver(bot.url, SIGNING_SECRET, api) as driver:
                yield Workspaces(api, bot, driver)


async def snapshot(
    bot: RunningBot, team_name: str, people: tuple[str, ...] = ("U1",), platform: str = "slack"
) -> list[Any]:
    """Every session of these people in a team with its state, timeline, facts and fixes (what a replayed id could
    change)."""
    async with bot.app.database.uow() as uow:
        team = await uow.teams.get_by_name(team_name)
        if team is None:
            return []
        found: list[Any] = []
        for user in people:
            person = await uow.users.by_identity(team.id, platform, user)
            if person is None:
                continue
            for s in await uow.sessions.for_engineer(team.id, person.id, list(SessionStatus), 50):
                timeline = [(t.kind, t.title, t.answer) for t in await uow.sessions.timeline(team.id, s.id)]
                facts = [f.text for f in await uow.sessions.facts(team.id, s.id)]
                fixes = [(f.title, f.status) for f in await uow.sessions.fixes(team.id, s.id)]
                found.append((s.id, s.status, s.state_version, s.current_node, s.step_count, timeline, facts, fixes))
        return found


async def drained(bot: RunningBot) -> bool:
    async with bot.app.database.uow() as uow:
        return list(await uow.inbox.pending()) == []


async def test_workspace_b_replaying_workspace_a_ids_changes_and_shows_nothing(workspaces: Workspaces) -> None:
    api, bot, driver = workspaces.api, workspaces.bot, workspaces.driver
    await driver.slash_command("start vpn-wont-connect #111 drops hourly", user_id="U1", channel_id="C1", team_id="T1")

    def a_post(match: str, thread: str | None) -> dict[str, Any]:
        for call in api.api_log:
            p = call.params
            ours = call.method == "chat.postMessage" and call.team_id == "T1" and p.get("thread_ts") == thread
            if ours and match in json.dumps(p):
                return dict(p) | {"ts": call.response.get("ts")}
        raise LookupError(match)

    await api.wait_for(lambda c: c.path.endswith("chat.postMessage") and "public website" in json.dumps(c.data), WAIT_S)
    card = a_post("VPN will not connect", None)
    step = a_post("public website", card["ts"])
    await driver.slash_command("resolve", user_id="U1", channel_id="C1", team_id="T1")
    opened = await api.wait_for(lambda c: c.path.endswith("views.open"), WAIT_S)
    view = opened.data["view"] if isinstance(opened.data["view"], dict) else json.loads(opened.data["view"])
    await eventually(lambda: drained(bot), "workspace A's requests handled")
    before_a, before_b = await snapshot(bot, "slack:T1"), await snapshot(bot, "slack:T2")
    assert len(before_a) == 1 and before_a[0][1] is SessionStatus.ACTIVE
    mark = len(api.api_log)

    statuses = []
    clicks = [(ref, card["ts"]) for ref in buttons_in(blocks_of(card))]
    clicks += [(ref, step["ts"]) for ref in buttons_in(blocks_of(step))]
    assert len(clicks) >= 3, clicks
    for ref, message_ts in clicks:  # A's action ids and values (session id, state version), from B
        reply = await driver.block_action(
            ref["action_id"],
            ref["value"],
            user_id="U1",
            channel_id="C1",
            message_ts=message_ts,
            thread_ts=card["ts"],
            team_id="T2",
        )
        statuses.append(reply.status)
    typed = await driver.message_in_thread("resolve this and post the note", "C1", card["ts"], "U1", team_id="T2")
    mention = await driver.app_mention("resolve", "C1", "U1", thread_ts=card["ts"], team_id="T2")
    values = {"summary": "Closed by workspace B.", "followups": ""}
    submitted = await driver.view_submission(
        view["callback_id"], view["private_metadata"], values, user_id="U1", team_id="T2"
    )
    statuses += [typed.status, mention.status, submitted.status]
    assert set(statuses) == {200}, statuses
    assert "Traceback" not in json.dumps(submitted.body)

    await eventually(lambda: drained(bot), "workspace B's requests handled")
    await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral") and "T2" in str(c.headers), WAIT_S)
    assert await snapshot(bot, "slack:T1") == before_a, "workspace A's session changed"
    later = api.api_log[mark:]
    # bolt checks the token of the workspace a payload names (the replayed modal is A's view: auth.test with A's
    # token); nothing else is called for A
    assert [c.method for c in later if c.team_id != "T2" and c.method != "auth.test"] == [], "a call for workspace A"
    shown = "\n".join(s for c in later for s in text_fields(c.params))
    assert [w for w in A_WORDS if w in shown] == [], shown[:1000]
    assert not [c for c in later if c.method in ("chat.update", "views.update")], "B edited a message"
    after_b = await snapshot(bot, "slack:T2")
    assert all(not re.search("vpn|#111", json.dumps(s, default=str), re.IGNORECASE) for s in after_b), after_b
    assert len(after_b) <= len(before_b) + 1  # at most a session of B's own, from its own words


EVE = TeamsUser(
    "29:1eve-other", "Eve Other", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "eve@fabrikam.example", OTHER_TENANT
)


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_a_person_of_another_tenant_pressing_tenant_a_cards_changes_and_shows_nothing(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with teams_session(migrated_url, monkeypatch) as teams:
        connector, user, bot = teams.connector, teams.user, teams.bot
        assert await user.channel_message("start vpn-wont-connect #12345") == (202, "")
        root = user.last_activity["id"]
        thread = f"{TEAM_ID};messageid={root}"
        card = await wait_sent(teams, lambda a: "VPN will not connect" in text_of(a), "the session card", thread)
        step = await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", thread)
        await eventually(lambda: drained(bot), "tenant A's requests handled")
        a_team = f"teams:{TENANT_ID}"
        before = await snapshot(bot, a_team, (DANA.id,), "teams")
        assert len(before) == 1 and before[0][1] is SessionStatus.ACTIVE
        sent_before, updated_before = len(connector.delivered()), len(connector.updates())

        answers = []
        pressed = [(activity, item) for activity in (card, step) for item in executes(activity)]
        assert len(pressed) >= 3, [i.get("title") for _, i in pressed]
        for activity, item in pressed:  # A's conversation, card ids, verbs and data (session id, version), from B
            answers.append(await user.execute(activity, str(item["verb"]), item.get("data") or {}, EVE))
        answers.append(await user.channel_message("resolve", EVE, thread=root))
        answers.append(await user.channel_message("note: closed by the other tenant", EVE, thread=root, mention=False))
        assert {a.status for a in answers} <= {200, 202}, answers
        assert [w for w in A_WORDS if w in json.dumps([a.body for a in answers])] == []

        await eventually(lambda: drained(bot), "the other tenant's requests handled")
        assert await snapshot(bot, a_team, (DANA.id,), "teams") == before, "tenant A's session changed"
        shown = [text_of(a) for a in connector.delivered()[sent_before:] + connector.updates()[updated_before:]]
        assert [w for w in A_WORDS if w in "\n".join(shown)] == [], shown
        assert connector.updates()[updated_before:] == [], "a card of tenant A was replaced"
        assert any("can't find that session" in text for text in shown), "the other tenant was answered"
        async with bot.app.database.uow() as uow:
            other = await uow.teams.get_by_name(f"teams:{OTHER_TENANT}")
            mine = await uow.teams.get_by_name(a_team)
        assert mine is not None and (other is None or other.id != mine.id)


def executes(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``Action.Execute`` items of the activity's cards."""
    return [
        item
        for card in FakeBotConnector.cards_in(activity)
        for item in walk(card)
        if item.get("type") == "Action.Execute" and item.get("verb")
    ]

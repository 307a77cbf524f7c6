"""Teams end to end, the edges: JWTs refused (no token, spoilt tokens) with nothing changed, anonymous mode for local
development, the friendly error instead of exception text, connector throttling and failures, and Slack's route left
alone on the shared server."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app.teams import ANONYMOUS_WARNING
from bot.engine.events import InboundEvent
from bot.handlers.teams import texts
from tests.e2e.slack_server import SIGNING_SECRET
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import Teams, action, teams_session, text_of, wait_sent, wait_updated
from tests.fakes.entra import TENANT_ID, TokenFlaw
from tests.fakes.slack_driver import SlackDriver

REFUSED = (401, {"error": "Invalid token or authentication failed."})


async def nothing_changed(teams: Teams) -> bool:
    async with teams.app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{TENANT_ID}")
        return team is None and list(await uow.inbox.pending()) == [] and not teams.connector.log


async def test_requests_without_a_valid_token_are_refused_and_change_nothing(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with teams_session(migrated_url, monkeypatch) as teams:
        user = teams.user
        assert await user.channel_message("start vpn-wont-connect", auth=None) == (
            401,
            {"error": "Authorization header not found"},
        )
        for flaw in (TokenFlaw.EXPIRED, TokenFlaw.WRONG_KEY, TokenFlaw.WRONG_AUDIENCE, TokenFlaw.TAMPERED):
            assert await user.channel_message("start vpn-wont-connect", auth=flaw) == REFUSED, flaw
        assert (await user.personal_message("help", auth="Basic dXNlcjpwYXNz")).status == 401
        card = {"id": "1700000000999", "conversation": {"id": f"{user.connector.personal_conversation_id('x')}"}}
        assert (await user.execute(card, "rf.choose", {}, auth=TokenFlaw.UNSIGNED)).status == 401
        assert await nothing_changed(teams)


async def test_anonymous_mode_is_loud_and_sends_without_tokens(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.app.teams")
    async with teams_session(migrated_url, monkeypatch, auth=False) as teams:
        assert ANONYMOUS_WARNING in caplog.text
        assert await teams.user.personal_message("help") == (202, "")  # no Authorization header at all
        await wait_sent(teams, lambda a: "start" in text_of(a).lower(), "help in the 1:1 chat")
        assert {c.authorization for c in teams.connector.log} == {""}


async def test_a_failing_turn_gets_a_friendly_message_not_the_exception(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with teams_session(migrated_url, monkeypatch) as teams:
        assert teams.app.intake is not None

        async def broken(platform: str, event: InboundEvent) -> bool:
            raise RuntimeError("password=hunter2 at db-internal:5432")

        monkeypatch.setattr(teams.app.intake, "accept", broken)
        assert await teams.user.channel_message("start vpn-wont-connect") == (202, "")
        [reply] = teams.connector.sent()
        assert reply["text"] == texts.TURN_FAILED and "hunter2" not in str(reply)
        assert "Teams turn failed" in caplog.text and "hunter2" in caplog.text  # the details go to the log only

        card: dict[str, Any] = {"id": reply["id"], "conversation": reply["conversation"]}
        data = {"verb": "rf.choose", "rf": {"v": 1, "s": "s1", "n": 1, "x": "yes"}}
        status, body = await teams.user.execute(card, "rf.choose", data)
        assert status == 200 and body["value"] == texts.TURN_FAILED


async def test_throttled_connector_calls_are_retried_after_retry_after(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with teams_session(migrated_url, monkeypatch) as teams:
        connector = teams.connector
        connector.throttle(times=2, retry_after=0.2)
        await teams.user.channel_message("start vpn-wont-connect")
        await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step despite the 429s")
        statuses = [c.status for c in connector.calls_for("send")]
        assert statuses[:3] == [429, 429, 201]
        assert len([a for a in connector.sent() if "VPN will not connect" in text_of(a)]) == 1


async def test_a_refused_update_is_logged_and_told_to_the_person(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with teams_session(migrated_url, monkeypatch) as teams:
        connector, user = teams.connector, teams.user
        await user.channel_message("start vpn-wont-connect")
        step = await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step")
        connector.fail(400, times=5, ops=frozenset({"update"}), code="BadArgument")
        yes = action(step, "Yes")
        await user.execute(step, yes["verb"], yes["data"])
        told = await wait_sent(teams, lambda a: "Teams refused" in text_of(a), "the delivery-failure notice")
        assert "400 BadArgument" in text_of(told) and "<at>Dana Tech</at>" in text_of(told)
        assert "Teams Update failed" in caplog.text
        await wait_sent(teams, lambda a: "What happens" in text_of(a), "the next step all the same")


async def test_slack_routes_are_not_behind_the_teams_token_check(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = {"slack_bot_token": "xoxb-test-T1", "slack_signing_secret": SIGNING_SECRET}
    async with teams_session(migrated_url, monkeypatch, **slack) as teams:
        async with SlackDriver(teams.bot.url, SIGNING_SECRET) as slack_user:
            assert await slack_user.url_verification("abc") == (200, {"challenge": "abc"})
        assert (await teams.user.personal_message("help", auth=None)).status == 401
        assert (await teams.user.personal_message("help")).status == 202

        async def answered() -> bool:
            return bool(teams.connector.sent())

        await eventually(answered, "the help card")


async def test_an_old_card_update_reaches_the_card_in_place(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Coalesced card updates (RFBOT_CARD_UPDATE_DELAY > 0): the session card is PUT once the burst settles."""
    async with teams_session(migrated_url, monkeypatch, card_update_delay=0.2) as teams:
        user = teams.user
        await user.channel_message("start vpn-wont-connect")
        card = await wait_sent(teams, lambda a: "VPN will not connect" in text_of(a), "the session card")
        step = await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step")
        yes = action(step, "Yes")
        await user.execute(step, yes["verb"], yes["data"])
        await wait_updated(teams, card["id"], lambda u: "VPN will not connect" in text_of(u), "the session card PUT")

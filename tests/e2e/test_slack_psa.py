"""ConnectWise end to end from Slack: the real served app with the CW_* connection pointed at the loopback
ConnectWise fake — ticket context in on `start`, an unknown ticket refused, and on resolve the resolution note and
the session documentation land on the ticket exactly once, with the thread saying so."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.e2e.slack_server import SIGNING_SECRET, RunningBot, running_bot
from tests.e2e.slack_transcript import eventually, text_of, wait_post
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver


@dataclass
class Rig:
    api: FakeSlackApi
    cw: FakeConnectWise
    bot: RunningBot
    user: SlackDriver


@pytest.fixture
async def rig(migrated_url: str) -> AsyncIterator[Rig]:
    async with FakeSlackApi() as api, FakeConnectWise() as cw:
        api.add_user("T1", "U1", "Alice Ng", "alice@example.invalid")
        cw.add_ticket(12345, "VPN drops every hour for the whole office")
        cw.add_member(7, "alng", "Alice", "Ng", email="alice@example.invalid")
        creds = cw.credentials()
        env = {
            "cw_site_url": creds.site_url,
            "cw_company_id": creds.company_id,
            "cw_public_key": creds.public_key,
            "cw_private_key": creds.private_key,
            "cw_client_id": creds.client_id,
        }
        async with (
            running_bot(migrated_url, api.base_url, **env) as bot,
            SlackDriver(bot.url, SIGNING_SECRET, api) as user,
        ):
            yield Rig(api, cw, bot, user)


async def test_ticket_in_notes_out_exactly_once(rig: Rig) -> None:
    api, cw, user = rig.api, rig.cw, rig.user
    await user.slash_command("start vpn-wont-connect #12345", user_id="U1", channel_id="C1")
    card = await wait_post(api, lambda d: "Contoso Dental" in text_of(d))
    assert "VPN drops every hour" in text_of(card) and "Pat Quinn" in text_of(card)

    await user.slash_command("resolve", user_id="U1", channel_id="C1")
    opened = await api.wait_for(lambda c: c.path.endswith("views.open"))
    view = opened.data["view"] if isinstance(opened.data["view"], dict) else json.loads(opened.data["view"])
    await user.view_submission(
        view["callback_id"],
        view["private_metadata"],
        {"summary": "Replaced the VPN profile.", "followups": ""},
        user_id="U1",
    )

    async def two_notes() -> bool:
        return len(cw.notes_on(12345)) == 2

    await eventually(two_notes, "both notes on ticket #12345")
    resolution, documentation = cw.notes_on(12345)
    assert resolution["resolutionFlag"] and "Replaced the VPN profile." in resolution["text"]
    assert documentation["internalAnalysisFlag"] and not documentation["resolutionFlag"]
    assert resolution["member"]["identifier"] == "alng", "attributed to the member matched by e-mail"

    def posted_lines() -> list[str]:
        return [str(u.get("text")) for u in api.updates() if "posted to ticket #12345 as note #" in str(u.get("text"))]

    async def thread_told() -> bool:
        return len(posted_lines()) == 2

    await eventually(thread_told, "both status lines updated")
    assert len(cw.notes_on(12345)) == 2


async def test_an_unknown_ticket_starts_nothing(rig: Rig) -> None:
    await rig.user.slash_command("start vpn-wont-connect #999", user_id="U1", channel_id="C1")
    told = await rig.api.wait_for(lambda c: c.path.endswith("chat.postEphemeral"))
    assert "Ticket #999 not found in ConnectWise" in json.dumps(told.data)
    async with rig.bot.app.database.uow() as uow:
        assert (
            await uow.sessions.open_in_conversation((await uow.teams.get_by_name("slack:T1")).id, "slack:C1:") is None
        )  # type: ignore[union-attr]


async def test_a_team_admin_connects_connectwise_from_slack(migrated_url: str) -> None:
    from sqlalchemy import text

    from bot.store.secrets import generate_key

    async with FakeSlackApi() as api, FakeConnectWise() as cw:
        api.add_user("T1", "U1", "Alice Ng", "alice@example.invalid")
        cw.add_ticket(12345, "VPN drops every hour for the whole office")
        async with (
            running_bot(migrated_url, api.base_url, secret_keys=generate_key()) as bot,
            SlackDriver(bot.url, SIGNING_SECRET, api) as user,
        ):
            await user.slash_command("admin psa", user_id="U1", channel_id="D1")
            opened = await api.wait_for(lambda c: c.path.endswith("views.open"))
            view = opened.data["view"] if isinstance(opened.data["view"], dict) else json.loads(opened.data["view"])
            creds = cw.credentials()
            values = {
                "site_url": creds.site_url,
                "company_id": creds.company_id,
                "public_key": creds.public_key,
                "private_key": creds.private_key,
                "client_id": creds.client_id,
            }
            await user.view_submission(view["callback_id"], view["private_metadata"], values, user_id="U1")
            told = await api.wait_for(
                lambda c: c.path.endswith("chat.postEphemeral") and "Connected to ConnectWise" in json.dumps(c.data)
            )
            assert creds.private_key not in json.dumps(told.data)
            async with bot.app.database.engine.connect() as conn:
                dump = " ".join(str(r) for r in (await conn.execute(text("SELECT payload FROM inbox"))).all())
                dump += " ".join(str(r) for r in (await conn.execute(text("SELECT * FROM psa_connections"))).all())
            assert creds.private_key not in dump and creds.public_key not in dump, "no key in clear anywhere"
            await user.slash_command("start vpn-wont-connect #12345", user_id="U1", channel_id="C1")
            await wait_post(api, lambda d: "Contoso Dental" in text_of(d))

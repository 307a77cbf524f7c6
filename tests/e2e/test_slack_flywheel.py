"""The knowledge flywheel end to end in Slack: resolved VPN sessions in the database, Alice (the team admin) runs
`/rf proposals run`, gets the review DM with Approve / Edit / Reject / Dismiss, approves, and the flow is published."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.model import Role
from tests.e2e.slack_server import SIGNING_SECRET, running_bot
from tests.e2e.slack_transcript import blocks_of, text_of, wait_post
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver, buttons_in, find_button
from tests.unit.engine.flywheel_world import load_world

ALICE = "U1"


async def test_admin_runs_the_flywheel_and_approves_the_proposal(migrated_url: str) -> None:
    async with FakeSlackApi() as api:
        api.add_user("T1", ALICE, "Alice Ng", "alice@example.invalid")
        async with running_bot(migrated_url, api.base_url) as bot, SlackDriver(bot.url, SIGNING_SECRET, api) as slack:
            await slack.slash_command("help", user_id=ALICE, channel_id="C1")  # Alice: the team's first member
            await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral"), 10)
            async with bot.app.database.uow() as uow:
                team = await uow.teams.get_by_name("slack:T1")
                assert team is not None
                await load_world(uow, team.id, datetime.now(UTC), keys=["vpn-1", "vpn-2", "vpn-3"], platform="slack")
                for name in ("alice", "bob"):  # the fixture's engineers are not admins here
                    user = await uow.users.by_identity(team.id, "slack", name)
                    assert user is not None
                    user.role = Role.ENGINEER
                    await uow.users.update(user)
                await uow.commit()

            await slack.slash_command("proposals run", user_id=ALICE, channel_id="C1")
            dm = await wait_post(api, lambda d: d.get("channel") == "D1" and "to review" in text_of(d))
            assert "New flow" in text_of(dm) and "3 sessions" in text_of(dm) and "2 worked" in text_of(dm)
            labels = [b["text"] for b in buttons_in(blocks_of(dm))]
            assert labels == ["Approve", "Edit", "Reject", "Dismiss", "Show"]

            button = find_button(blocks_of(dm), "Approve")
            message = next(m for m in api.posted(channel="D1") if "to review" in text_of(m))
            reply = await slack.block_action(
                button["action_id"], button["value"], user_id=ALICE, channel_id="D1", message_ts=str(message["ts"])
            )
            assert reply.status == 200
            done = await wait_post(api, lambda d: d.get("channel") == "D1" and "published" in text_of(d))
            assert "Alice Ng published" in text_of(done)

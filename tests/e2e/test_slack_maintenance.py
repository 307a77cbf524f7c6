"""A maintenance run from Slack, end to end: `/rf schedule add` in #ops, the schedule fires (recorded and queued the
way the scheduler does, no timer), the run card opens a thread, a checklist step and Mark all OK / Skip target on
the card finish the run, the summary lands in the thread, and the team's maintenance board gets ONE new ticket in
the ConnectWise fake carrying the summary."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.engine import codec
from bot.engine.scheduled import fired_event
from bot.jobs.scheduler_plan import dedupe_key
from bot.store.schedules import SqlSchedules
from tests.e2e.slack_server import SIGNING_SECRET, RunningBot, running_bot
from tests.e2e.slack_transcript import blocks_of, eventually, text_fields, text_of, wait_post
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_blocks import buttons_in
from tests.fakes.slack_driver import SlackDriver

OPS, ALICE = "C-OPS", "U1"


def plain(data: dict[str, Any]) -> str:
    """Every text of a message's blocks and its fallback, readable (no JSON escapes)."""
    return "\n".join([*text_fields(blocks_of(data)), str(data.get("text", ""))])


def posted(api: FakeSlackApi, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first message posted in #ops that matches, with the ``ts`` Slack gave it."""
    return next(dict(m) for m in api.posted(channel=OPS) if predicate(m))


@dataclass
class Rig:
    api: FakeSlackApi
    cw: FakeConnectWise
    bot: RunningBot
    user: SlackDriver


@pytest.fixture
async def rig(migrated_url: str) -> AsyncIterator[Rig]:
    async with FakeSlackApi() as api, FakeConnectWise() as cw:
        api.add_user("T1", ALICE, "Alice Ng", "alice@example.invalid")
        creds = cw.credentials()
        env = {
            "cw_site_url": creds.site_url,
            "cw_company_id": creds.company_id,
            "cw_public_key": creds.public_key,
            "cw_private_key": creds.private_key,
            "cw_client_id": creds.client_id,
            "scheduler_enabled": False,  # the test fires the schedule itself
        }
        async with (
            running_bot(migrated_url, api.base_url, **env) as bot,
            SlackDriver(bot.url, SIGNING_SECRET, api) as user,
        ):
            yield Rig(api, cw, bot, user)


async def test_a_scheduled_run_from_fire_to_the_ticket(rig: Rig) -> None:
    api, cw, app, user = rig.api, rig.cw, rig.bot.app, rig.user
    await user.slash_command("schedule add monthly-server-patching", user_id=ALICE, channel_id=OPS)
    await wait_post(api, lambda d: "Scheduled *Monthly server patching*" in str(d.get("text")))
    async with app.database.uow() as uow:
        team = await uow.teams.get_by_name("slack:T1")
        assert team is not None
        await uow.settings.put(team.id, {"maintenance_board": "Maintenance"})
        await uow.commit()
    assert app.schedules is not None and app.worker is not None
    schedule = await app.schedules.by_key(team.id, "maintenance:monthly-server-patching")
    assert schedule is not None and schedule.conversation["channel"] == OPS

    fire = app.clock.now().replace(second=0, microsecond=0)
    key = dedupe_key(schedule.id, fire)  # what the scheduler's leader does at the fire time
    event = fired_event(schedule, fire, key)
    recorded = await SqlSchedules(app.database.engine).record_fire(
        schedule, fire, None, fired_at=fire, fired_by="test", inbox_kind="slack", dedupe_key=key,
        payload=codec.encode(event),
    )  # fmt: skip
    assert recorded is not None
    app.worker.wake()

    await wait_post(api, lambda d: "maintenance run" in str(d.get("text")) and not d.get("thread_ts"))
    card = posted(api, lambda d: "maintenance run" in str(d.get("text")) and not d.get("thread_ts"))
    assert "0/3 targets complete" in plain(card) and "FS01" in plain(card) and "APP01" in plain(card)
    buttons = buttons_in(blocks_of(card))

    async def click(label: str, nth: int) -> None:
        chosen = [b for b in buttons if b["text"].startswith(label)][nth]
        reply = await user.block_action(
            chosen["action_id"], chosen["value"], user_id=ALICE, channel_id=OPS, message_ts=card["ts"]
        )
        assert reply.status == 200, reply

    await click("Open checklist", 0)
    await wait_post(api, lambda d: "Checklist · FS01" in text_of(d))
    checklist = posted(api, lambda d: "Checklist · FS01" in text_of(d))
    assert checklist.get("thread_ts") == card["ts"], "the checklist is in the run card's thread"
    backup_ok = next(b for b in buttons_in(blocks_of(checklist)) if b["text"].startswith("✓ OK"))
    await user.block_action(
        backup_ok["action_id"], backup_ok["value"], user_id=ALICE, channel_id=OPS,
        message_ts=checklist["ts"], thread_ts=card["ts"],
    )  # fmt: skip
    await click("✓ Mark all OK", 0)
    await click("✓ Mark all OK", 1)
    await click("Skip target", 2)

    summary = await wait_post(api, lambda d: "run summary" in str(d.get("text")))
    assert summary.get("thread_ts") == card["ts"]
    words = plain(summary)
    assert "FS01: OK — Alice Ng" in words and "APP01: SKIPPED — Alice Ng" in words
    assert "new ticket on the ConnectWise board" in words

    async def ticket_opened() -> bool:
        return len(cw.tickets) == 1

    await eventually(ticket_opened, "the maintenance ticket in ConnectWise")
    (ticket,) = cw.tickets.values()
    assert ticket["board"]["name"] == "Maintenance" and ticket["summary"].startswith("Maintenance: Monthly server")
    (note,) = cw.notes_on(ticket["id"])
    assert "DC01: OK — Alice Ng" in note["text"] and "APP01: SKIPPED" in note["text"]

    async def card_final() -> bool:  # the card's last update may land after the ticket (the outbox is quick)
        current = plain(api.message(OPS, card["ts"]) or {})
        return "3/3 targets complete" in current and "Open checklist" not in current

    await eventually(card_final, "the run card showing the finished run")

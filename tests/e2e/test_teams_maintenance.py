"""A maintenance run from Teams, end to end: Dana (the team admin) types `schedule add` in the General channel; the
schedule fires (recorded and queued the way the scheduler's leader does, no timer); the run card opens its own
thread; Open checklist posts FS01's checklist there, a step's OK, Mark all OK and Skip target finish the run; the
summary lands in the thread, ONE new ticket carrying it appears on the maintenance board in the ConnectWise fake, and
the summary's status line in the thread says it was posted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.engine import codec
from bot.engine.scheduled import fired_event
from bot.jobs.scheduler_plan import dedupe_key
from bot.store.schedules import SqlSchedules
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import Teams, actions_in, click, teams_session, text_of, wait_sent, wait_updated
from tests.fakes.entra import TENANT_ID
from tests.fakes.teams_roster import TEAM_ID

FLOW = "monthly-server-patching"


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch, connectwise=True, scheduler_enabled=False) as session:
        yield session


async def fire_now(teams: Teams) -> None:
    """The run schedule fires: the fire recorded with its queued event, as the scheduler's leader does, then the
    worker woken (it delivers the card through the Teams sender)."""
    app = teams.app
    async with app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{TENANT_ID}")
        assert team is not None
        await uow.settings.put(team.id, {"maintenance_board": "Maintenance"})
        await uow.commit()
    assert app.schedules is not None and app.worker is not None
    schedule = await app.schedules.by_key(team.id, f"maintenance:{FLOW}")
    assert schedule is not None and schedule.conversation["platform"] == "teams"
    fire = app.clock.now().replace(second=0, microsecond=0)
    key = dedupe_key(schedule.id, fire)
    event = fired_event(schedule, fire, key)
    recorded = await SqlSchedules(app.database.engine).record_fire(
        schedule, fire, None, fired_at=fire, fired_by="test", inbox_kind="teams", dedupe_key=key,
        payload=codec.encode(event),
    )  # fmt: skip
    assert recorded is not None
    app.worker.wake()


async def test_a_scheduled_run_in_a_teams_channel_from_fire_to_the_ticket(teams: Teams) -> None:
    cw = teams.cw
    assert cw is not None
    await teams.user.channel_message(f"schedule add {FLOW}")
    await wait_sent(teams, lambda a: "Scheduled **Monthly server patching**" in text_of(a), "the schedule added")
    await fire_now(teams)

    card = await wait_sent(teams, lambda a: "maintenance run" in text_of(a), "the run card", TEAM_ID)
    assert "0/3 targets complete" in text_of(card) and "FS01" in text_of(card) and "APP01" in text_of(card)
    thread = f"{TEAM_ID};messageid={card['id']}"  # the run card opens its own thread

    await click(teams, card, "Open checklist")
    # six steps with their commands exceed one Teams message: the renderer moves every button into the last one
    buttons = await wait_sent(
        teams, lambda a: "Checklist · FS01" in text_of(a) and actions_in(a), "its buttons", thread
    )
    assert len(actions_in(buttons)) == 18
    await click(teams, buttons, "✓ OK")  # the first step's
    await wait_updated(teams, buttons["id"], lambda u: len(actions_in(u)) == 15, "the step marked OK")
    await click(teams, card, "✓ Mark all OK")  # FS01's remaining steps
    await wait_updated(teams, card["id"], lambda u: "1/3 targets complete" in text_of(u), "FS01 done")
    latest = await wait_updated(teams, card["id"], lambda u: "1/3" in text_of(u), "the card")
    await click(teams, latest, "✓ Mark all OK")  # DC01: the first target left with buttons
    latest = await wait_updated(teams, card["id"], lambda u: "2/3 targets complete" in text_of(u), "DC01 done")
    await click(teams, latest, "Skip target")  # APP01

    summary = await wait_sent(teams, lambda a: "run summary" in text_of(a), "the summary", thread)
    words = text_of(summary)
    assert "FS01: OK — Dana Tech" in words and "APP01: SKIPPED — Dana Tech" in words
    assert "new ticket on the ConnectWise board" in words

    def opened() -> list[dict[str, Any]]:
        return [t for t in cw.tickets.values() if t["board"]["name"] == "Maintenance"]

    async def ticket_opened() -> bool:
        return len(opened()) == 1

    await eventually(ticket_opened, "the maintenance ticket in ConnectWise")
    (ticket,) = opened()
    assert ticket["summary"].startswith("Maintenance: Monthly server")
    (note,) = cw.notes_on(ticket["id"])
    assert "DC01: OK — Dana Tech" in note["text"] and "APP01: SKIPPED" in note["text"]

    line = await wait_sent(teams, lambda a: "Maintenance summary" in text_of(a), "the summary's status line", thread)
    await wait_updated(teams, line["id"], lambda u: f"ticket #{ticket['id']}" in text_of(u), "the line, posted")
    final = await wait_updated(teams, card["id"], lambda u: "3/3 targets complete" in text_of(u), "the card, done")
    assert "Open checklist" not in text_of(final)

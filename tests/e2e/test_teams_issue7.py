"""The rest of issue 7 in Teams, end to end (one world per test, compact):

* in her 1:1 chat Dana (the team admin) runs the knowledge flywheel over resolved VPN sessions, gets the review card
  with Approve / Edit / Reject / Dismiss / Show and approves it: the flow is published; then `admin settings`,
  ✎ Edit settings, and the form's submit saves the maintenance board;
* a session Dana paused two days ago is nudged by one fire of the idle sweep (recorded the way the scheduler records
  it): a line in the session's thread and a 1:1 message with Resume, which resumes the session in its own thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.engine import codec
from bot.engine.model import Role, TimelineKind
from bot.engine.scheduled import fired_event
from bot.engine.team_schedules import IDLE_SWEEP_KEY
from bot.engine.team_settings import MAINTENANCE_BOARD, TeamSettings
from bot.store.schedules import SqlSchedules
from bot.store.tables import SessionRow, TimelineRow
from tests.e2e.teams_server import (
    Teams,
    actions_in,
    click,
    form_inputs,
    submit_form,
    teams_session,
    text_of,
    wait_sent,
)
from tests.fakes.entra import TENANT_ID
from tests.fakes.teams_roster import DANA, TEAM_ID
from tests.unit.engine.flywheel_world import load_world


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch) as session:
        yield session


async def team_of(teams: Teams) -> str:
    async with teams.app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{TENANT_ID}")
    assert team is not None
    return team.id


async def test_flywheel_review_approved_and_settings_edited_in_a_1_1_chat(teams: Teams) -> None:
    chat = teams.connector.personal_conversation_id(DANA.id)
    await teams.user.personal_message("help")  # Dana: the team's first member, so its admin
    await wait_sent(teams, lambda a: "ResolutionFlow commands" in text_of(a), "help", chat)
    team_id = await team_of(teams)
    async with teams.app.database.uow() as uow:
        await load_world(uow, team_id, datetime.now(UTC), keys=["vpn-1", "vpn-2", "vpn-3"], platform="teams")
        for name in ("alice", "bob"):  # the fixture's engineers are not admins here
            user = await uow.users.by_identity(team_id, "teams", name)
            assert user is not None
            user.role = Role.ENGINEER
            await uow.users.update(user)
        await uow.commit()

    await teams.user.personal_message("proposals run")
    review = await wait_sent(teams, lambda a: "to review" in text_of(a) and actions_in(a), "the review card", chat)
    assert "New flow" in text_of(review) and "3 sessions" in text_of(review)
    assert actions_in(review) == ["Approve", "Edit", "Reject", "Dismiss", "Show"]
    await click(teams, review, "Approve")
    await wait_sent(teams, lambda a: "Dana Tech published" in text_of(a), "the flow published", chat)

    await teams.user.personal_message("admin settings")
    card = await wait_sent(teams, lambda a: "✎ Edit settings" in actions_in(a), "the settings card", chat)
    await click(teams, card, "✎ Edit settings")
    form = await wait_sent(teams, lambda a: any(i["id"].endswith("maintenance_board") for i in form_inputs(a)), "form")
    await submit_form(teams, form, {"maintenance_board": "Maintenance"})
    await wait_sent(teams, lambda a: "`maintenance_board` is now Maintenance" in text_of(a), "saved", chat)
    async with teams.app.database.uow() as uow:
        assert (await TeamSettings.load(uow, team_id)).get(MAINTENANCE_BOARD) == "Maintenance"


async def test_a_paused_session_is_nudged_and_resumed_from_the_1_1_message(teams: Teams) -> None:
    app = teams.app
    await teams.user.channel_message("start vpn-wont-connect")
    root = teams.user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    await wait_sent(teams, lambda a: "Pause" in actions_in(a), "the first step", thread)
    await teams.user.channel_message("pause", thread=root)
    await wait_sent(teams, lambda a: "paused" in text_of(a).lower(), "paused", thread)

    team_id = await team_of(teams)
    assert app.schedules is not None and app.worker is not None
    sweep = await app.schedules.by_key(team_id, IDLE_SWEEP_KEY)
    assert sweep is not None, "the team got its sweep when it showed up"
    earlier = app.clock.now() - timedelta(hours=48)
    async with app.database.engine.begin() as conn:  # two days pass
        await conn.execute(update(SessionRow).values(updated_at=earlier))
        await conn.execute(update(TimelineRow).where(TimelineRow.kind == TimelineKind.PAUSED.value).values(at=earlier))
    now = app.clock.now()
    event = fired_event(sweep, now, f"{sweep.id}:test")
    record = await SqlSchedules(app.database.engine).record_fire(
        sweep, now, None, fired_at=now, fired_by="test", inbox_kind=event.conversation.platform,
        dedupe_key=event.event_id, payload=codec.encode(event),
    )  # fmt: skip
    assert record is not None
    app.worker.wake()

    line = await wait_sent(teams, lambda a: "Paused for 48 hours" in text_of(a), "the line in the thread", thread)
    assert {"Resume", "Abandon"} <= set(actions_in(line))
    chat = teams.connector.personal_conversation_id(DANA.id)
    direct = await wait_sent(teams, lambda a: "paused for 48 hours" in text_of(a), "Dana's 1:1 message", chat)
    await click(teams, direct, "Resume")
    await wait_sent(teams, lambda a: "Session resumed" in text_of(a), "resumed in its thread", thread)

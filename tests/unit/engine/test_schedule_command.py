"""``schedule``: list, add (default cron, own cron and zone, replacing), pause, resume, remove with a confirmation;
bad input gets a clear message and changes nothing; only team admins change schedules."""

from __future__ import annotations

import pytest

from bot.engine.maintenance.records import RUN_KIND
from bot.engine.model import Role
from tests.unit.engine.maintenance_world import buttons_of, world


async def test_add_list_pause_resume_and_remove() -> None:
    w = await world()
    alice = w.person("alice")
    await alice.say("/schedule list")
    assert "patch-run" not in alice.text()  # (other features may keep schedules of their own)
    await alice.say("/schedule add patch-run")
    assert "Scheduled *Patch run*: `0 22 * * 2` (UTC); runs are posted here" in alice.text()
    schedule = await w.schedule("patch-run")
    assert schedule.kind == RUN_KIND and schedule.payload == {"flow": "patch-run"}
    assert schedule.conversation["channel"] == "C-OPS" and schedule.conversation["thread"] == ""
    await alice.say("/schedule add patch-run 30 6 * * 1-5 tz Europe/Berlin")
    assert "Replaced the existing schedule of *Patch run* (was `0 22 * * 2` in UTC)" in alice.text()
    schedule = await w.schedule("patch-run")
    assert (schedule.cron, schedule.timezone) == ("30 6 * * 1-5", "Europe/Berlin")
    await alice.say("/schedule list")
    listed = alice.text()
    assert "*patch-run* — maintenance run, `30 6 * * 1-5` (Europe/Berlin) · next: 2026-11-26 05:30 UTC" in listed
    await alice.say("/schedule pause patch-run")
    assert "Paused *patch-run*" in alice.text() and (await w.schedule("patch-run")).paused
    await alice.say("/schedule pause patch-run")
    assert "already paused" in alice.text()
    await alice.say(f"/schedule resume {schedule.id}")
    assert "Resumed *patch-run*" in alice.text() and not (await w.schedule("patch-run")).paused
    await alice.say("/schedule remove maintenance:patch-run")
    assert "Remove the schedule *patch-run*" in alice.text()
    assert await w.book.by_key(w.team_id, "maintenance:patch-run") is not None  # nothing until confirmed
    remove = buttons_of(alice.last, "Remove schedule")[0]
    await alice.click("Remove schedule", remove)
    assert "Removed the schedule *patch-run*" in alice.text()
    assert await w.book.by_key(w.team_id, "maintenance:patch-run") is None
    await alice.click("Remove schedule", remove)  # the confirmation clicked again
    assert "already removed" in alice.text()
    audit = [(e.target, e.detail["what"]) for e in w.db.state.audit if e.action == "schedule.changed"]
    key = "schedule maintenance:patch-run"
    assert audit == [(key, "added"), (key, "replaced"), (key, "paused"), (key, "resumed"), (key, "removed")]


async def test_the_team_time_zone_shows_next_runs() -> None:
    w = await world()
    async with w.db() as uow:
        await uow.settings.put(w.team_id, {"timezone": "America/New_York"})
        await uow.commit()
    alice = w.person("alice")
    await alice.say("/schedule add patch-run")
    assert "(America/New_York)" in alice.text() and "Next run: 2026-12-01 22:00 EST" in alice.text()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("/schedule add", "Name the flow"),
        ("/schedule add no-such-flow", "can't find a flow called `no-such-flow`"),
        ("/schedule add onboard-list", "`onboard-list` is a procedural flow"),
        ("/schedule add patch-run 0 25 * * *", "hour 25 is outside 0-23"),
        ("/schedule add patch-run 0 22 * *", "has 5 fields"),
        ("/schedule add patch-run tz Mars/Olympus", "don't know the time zone `Mars/Olympus`"),
        ("/schedule add patch-run tz", "don't know the time zone"),
        ("/schedule pause", "Name the schedule"),
        ("/schedule pause nothing-here", "No schedule of this team is called `nothing-here`"),
        ("/schedule resume patch-linked", "isn't paused"),
        ("/schedule run", "Name the flow"),
        ("/schedule run onboard-list", "is a procedural flow"),
        ("/schedule frobnicate", "Schedules: `schedule list`"),
    ],
)
async def test_bad_input_says_what_is_wrong_and_changes_nothing(command: str, message: str) -> None:
    w = await world()
    alice = w.person("alice")
    await alice.say("/schedule add patch-linked")
    before = [(s.key, s.cron, s.timezone, s.paused) for s in await w.book.list(w.team_id)]
    await alice.say(command)
    assert message in alice.text(), alice.text()
    assert [(s.key, s.cron, s.timezone, s.paused) for s in await w.book.list(w.team_id)] == before
    assert w.runs() == []


async def test_only_team_admins_change_schedules_but_anyone_lists_them() -> None:
    w = await world()
    alice, bob = w.person("alice"), w.person("bob")
    await alice.say("/schedule add patch-run")
    await bob.say("/schedule list")
    assert "*patch-run*" in bob.text()
    for command in ("/schedule add patch-linked", "/schedule pause patch-run", "/schedule remove patch-run"):
        await bob.say(command)
        assert "team admin" in bob.text(), (command, bob.text())
    await w.set_role("bob", Role.VIEWER)
    await bob.say("/schedule list")
    assert "*patch-run*" in bob.text()
    assert [s.key for s in await w.book.list(w.team_id, RUN_KIND)] == ["maintenance:patch-run"]

"""`admin settings`: the card, the form (all or nothing, every bad field named), `set` and `reset`, team admins only,
and a new time zone re-times the team's schedules."""

from __future__ import annotations

import pytest

from bot.engine.engine import Engine
from bot.engine.events import ActionId, FormId
from bot.engine.replies import OpenForm
from bot.engine.system import UuidIds
from bot.engine.team_schedules import IDLE_SWEEP_KEY
from bot.engine.team_settings import EDITABLE_KEYS
from bot.jobs.scheduler_book import Schedules
from tests.fakes.chat import Chat
from tests.fakes.memory_schedules import MemorySchedules
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds


@pytest.fixture
def book(clock: FakeClock) -> Schedules:
    return Schedules(MemorySchedules(), clock.now, UuidIds())


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, book: Schedules) -> Engine:
    return Engine(db, clock, SequentialIds(), schedules=book)


def prefs(db: MemoryDatabase, team_id: str) -> dict[str, object]:
    return dict(db.state.settings.get(team_id, {}))


async def test_only_team_admins_see_or_change_settings(
    db: MemoryDatabase, team_id: str, alice: Chat, bob: Chat
) -> None:
    await alice.say("/help")  # the team's first user is its admin
    await bob.say("/admin settings set idle_abandon_days 3")
    assert "Only team admins can do that" in bob.text() and prefs(db, team_id) == {}
    await bob.say("/admin settings")
    assert "Only team admins can do that" in bob.text()


async def test_the_card_shows_every_setting_with_its_value_and_default(team_id: str, alice: Chat) -> None:
    await alice.say("/admin settings set pause_nudge_hours 0")
    await alice.say("/admin settings")
    text = alice.text()
    for key in (*EDITABLE_KEYS, "escalation_channels"):
        assert f"`{key}`" in text
    assert "`pause_nudge_hours`: 0 (never) (default 24 h)" in text
    assert "`idle_abandon_days`: 14 days (default)" in text
    assert "Changed with `admin escalation-channel" in text
    assert alice.button("Edit settings").action is ActionId.EDIT_SETTINGS


async def test_set_and_reset_from_chat(db: MemoryDatabase, team_id: str, alice: Chat) -> None:
    await alice.say("/admin settings set idle_abandon_days 30")
    assert "`idle_abandon_days` is now 30 days." in alice.text() and "next idle sweep" in alice.text()
    assert prefs(db, team_id)["idle_abandon_days"] == 30
    await alice.say("/admin settings set idle_abandon_days 999")
    assert "`idle_abandon_days` must be a whole number from 0 (never) to 365" in alice.text()
    assert prefs(db, team_id)["idle_abandon_days"] == 30
    await alice.say("/admin settings set maintenance_board Managed Services")
    assert prefs(db, team_id)["maintenance_board"] == "Managed Services" and "next idle sweep" not in alice.text()
    await alice.say("/admin settings reset idle_abandon_days")
    assert "back to its default, 14 days" in alice.text() and "idle_abandon_days" not in prefs(db, team_id)
    await alice.say("/admin settings set idle_abandon_day 3")
    assert "There is no team setting `idle_abandon_day`. Did you mean `idle_abandon_days`?" in alice.text()
    await alice.say("/admin settings set escalation_channels #ops")
    assert "use `admin escalation-channel" in alice.text()
    assert [e.action for e in db.state.audit].count("settings.changed") == 3


async def test_the_form_saves_all_or_nothing_and_names_every_bad_field(
    db: MemoryDatabase, team_id: str, alice: Chat, bob: Chat
) -> None:
    await alice.say("/admin settings")
    edit = alice.button("Edit settings")
    await bob.say("/help")
    await alice.click("Edit settings", edit)
    (form,) = [r for r in alice.last if isinstance(r, OpenForm)]
    assert form.form is FormId.TEAM_SETTINGS and form.session_id == ""
    assert [i.name for i in form.inputs] == list(EDITABLE_KEYS)
    assert {i.name: i.initial for i in form.inputs}["pause_nudge_hours"] == "24"

    await alice.submit(idle_abandon_days="two weeks", timezone="Mars/Olympus", maintenance_board="Patching")
    text = alice.text()
    assert text.startswith("Nothing was saved")
    assert "`idle_abandon_days` must be a whole number" in text and "`timezone` must be an IANA time zone" in text
    assert prefs(db, team_id) == {}

    await alice.submit(idle_abandon_days="7", escalation_list="Bob", maintenance_board="Patching")
    bob_id = next(u.id for u in db.state.users.values() if u.identities.get("test") == "bob")
    assert prefs(db, team_id) == {"idle_abandon_days": 7, "escalation_list": [bob_id], "maintenance_board": "Patching"}
    assert "`escalation_list` is now Bob." in alice.text() and "next idle sweep" in alice.text()

    await alice.click("Edit settings", edit)
    await alice.submit()  # nothing touched: nothing written
    assert "Nothing changed." in alice.text()
    await alice.submit(escalation_list="Nobody Known")
    assert "`escalation_list`: No team member matches" in alice.text() and prefs(db, team_id)["escalation_list"]


async def test_a_new_time_zone_re_times_the_team_schedules(
    book: Schedules, db: MemoryDatabase, team_id: str, alice: Chat
) -> None:
    sweep = await book.by_key(team_id, IDLE_SWEEP_KEY)  # created with the team
    assert sweep is not None and sweep.timezone == "UTC"
    await alice.say("/admin settings set timezone america/new_york")
    assert "`timezone` is now America/New_York." in alice.text()
    sweep = await book.by_key(team_id, IDLE_SWEEP_KEY)
    assert sweep is not None and sweep.timezone == "America/New_York"

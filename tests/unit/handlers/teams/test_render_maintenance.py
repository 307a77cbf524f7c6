"""A maintenance run on Teams: the run card and a target's checklist render as one Adaptive Card each, their buttons
carry the run and target back unchanged, and a step's value form returns its input under the step's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine.events import ActionId, Actor, ConversationRef, FormId
from bot.engine.maintenance.progress import mark_all_ok, targets_of
from bot.engine.maintenance.records import MaintenanceRun
from bot.engine.maintenance.views import checklist_view, run_card, zone_of
from bot.engine.replies import Input, OpenForm, Text
from bot.flows.loader import bundled_samples_dir, load_flow_file
from bot.handlers.teams import ids
from bot.handlers.teams.render import render_message
from bot.handlers.teams.render_form import render_form
from tests.unit.handlers.teams.payloads import CHANNEL, actions_of, check_card

FLOW = load_flow_file(bundled_samples_dir() / "monthly-server-patching.yaml")
FIRED = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
HERE = ConversationRef("teams", CHANNEL, "1759944781430", {"tenant": "t"})


def a_run() -> MaintenanceRun:
    return MaintenanceRun(
        id="run-7",
        team_id="team-1",
        flow_key=FLOW.key,
        flow_version=FLOW.version,
        flow_name=FLOW.name,
        schedule_id="sched-1",
        fire_time=FIRED,
        created_at=FIRED,
        deadline=FIRED + timedelta(hours=8),
        conversation=HERE.to_dict(),
        card_ref="run:run-7:card",
        targets=targets_of(FLOW),
        version=3,
    )


def test_the_run_card_is_one_card_with_three_buttons_per_open_target() -> None:
    run = a_run()
    mark_all_ok(run, FLOW, 0, ("u1", "Dana Lee"), FIRED + timedelta(minutes=40))
    (message,) = render_message(run_card(run, FLOW, zone_of("Europe/Berlin")))
    check_card(message.card)
    assert message.summary == "Monthly server patching: maintenance run, 1/3 targets complete"
    flat = str(message.card["body"])
    assert "2026-12-01 23:00 CET" in flat and "FS01" in flat and "Dana Lee" in flat
    actions = actions_of(message.card)
    assert [a["title"] for a in actions] == ["Open checklist", "✓ Mark all OK", "Skip target"] * 2
    pressed = ids.parse_action(actions[3]["verb"], actions[3]["data"])
    assert pressed.target is ActionId.RUN_CHECKLIST
    assert isinstance(pressed.payload, ids.ButtonData)
    assert (pressed.payload.session_id, pressed.payload.state_version, pressed.choice()) == ("run-7", 3, "2")


def test_a_checklist_shows_every_step_with_buttons_and_the_next_one_in_full() -> None:
    messages = render_message(checklist_view(a_run(), FLOW, 1))
    assert len(messages) == 1
    card = messages[0].card
    check_card(card)
    flat = str(card["body"])
    assert "Checklist · DC01" in flat and "Check the backup console" in flat  # the next open step in full
    assert "Install-WindowsUpdate" not in flat and "Never snapshot a domain controller" not in flat  # later: titles
    titles = [a["title"] for a in actions_of(card)]
    assert titles.count("Issue") == 6 and titles.count("Skip") == 6
    assert "✎ Stopped services (or none)" in titles and "✓ OK Backup verified" in titles
    value = next(a for a in actions_of(card) if a["title"] == "✎ Stopped services (or none)")
    pressed = ids.parse_action(value["verb"], value["data"])
    assert pressed.target is ActionId.RUN_STEP and pressed.choice() == "1:value:services"


def test_a_step_value_form_returns_the_input_under_the_step_name() -> None:
    form = OpenForm(
        conversation=HERE,
        actor=Actor("teams", "29:dana", "Dana Lee"),
        form=FormId.RUN_VALUE,
        title="Record a value",
        session_id="run-7",
        state_version=3,
        inputs=(Input("1:services", "Stopped services (or none)"),),
        intro=(Text("*DC01* · Check automatic services are running"),),
    )
    card = render_form(form).card
    check_card(card)
    submit = next(a for a in actions_of(card) if a["title"] == "Submit")
    submitted = ids.parse_action(submit["verb"], {**submit["data"], "rf.in.1:services": "none"})
    assert submitted.target is FormId.RUN_VALUE and submitted.inputs == {"1:services": "none"}
    assert isinstance(submitted.payload, ids.FormData) and submitted.payload.session_id == "run-7"

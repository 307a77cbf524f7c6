"""FlowPilot's "Status update" menu and drafted status updates in Block Kit: within Slack's limits on a crowded
task-lane card, and a chosen option comes back through ``translate`` as the neutral choice."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.engine.copilot import StatusKind
from bot.engine.events import ActionId
from bot.engine.model import FixStatus, Session, SessionType, SuggestedFix, TaskLaneItem, TicketLink
from bot.engine.pilot import lane
from bot.engine.pilot.records import DocumentPreview
from bot.engine.pilot.status import CHOICES, StatusChoice, draft_view, drafted, post_value, requested
from bot.engine.pilot.views import lane_card
from bot.handlers.slack import ids, translate
from bot.handlers.slack.render import (
    BUTTON_TEXT,
    MESSAGE_BLOCKS,
    OPTION_TEXT,
    OPTION_VALUE,
    PLACEHOLDER,
    SECTION_TEXT,
    render_message,
)

AT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
SESSION_ID = "0b0b5f8e-7c2d-4f3a-9a1e-5d6c7b8a9f00"  # a real (36-character) id
FIXTURES = Path(__file__).parents[3] / "fixtures" / "slack"


def crowded_session() -> Session:
    """A FlowPilot session with a full lane (long texts, four options per question) at a large state version."""
    session = Session(SESSION_ID, "team", "eng", {}, "slack:C1:1", AT, AT, SessionType.CHAT, state_version=987_654_321)
    session.ticket = TicketLink("1234567")
    for i in range(lane.MAX_OPEN):
        kind = lane.QUESTION if i % 2 else lane.CHECK
        options = ["o" * 75] * 4 if kind == lane.QUESTION else []
        session.pending_task_lane.append(TaskLaneItem(f"item-{i}", kind, "x" * 500, options=options))
    return session


def elements(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == kind]


def test_the_status_menu_fits_block_kit_on_a_crowded_lane_card() -> None:
    session = crowded_session()
    fix = SuggestedFix("fix", "team", SESSION_ID, "f" * 300, AT, status=FixStatus.PROPOSED)
    facts: list[Any] = []
    messages = render_message(lane_card(session, facts, fix))
    assert all(len(m.blocks) <= MESSAGE_BLOCKS for m in messages)
    (select,) = elements(messages[-1].blocks, "static_select")
    assert messages[-1].blocks[-1]["elements"] == [select]  # the menu is the card's last row
    assert ids.ACTION_PATTERN.match(select["action_id"]) and ".status_update." in select["action_id"]
    assert len(select["placeholder"]["text"]) <= PLACEHOLDER
    labels = [o["text"]["text"] for o in select["options"]]
    assert len(labels) == 8 and "Ticket note — quick" in labels and "Request info — detailed" in labels
    for option in select["options"]:
        assert len(option["text"]["text"]) <= OPTION_TEXT and len(option["value"]) <= OPTION_VALUE
    values = [ids.ButtonValue.decode(o["value"]) for o in select["options"]]
    assert {(v.session_id, v.state_version) for v in values} == {(SESSION_ID, 987_654_321)}
    assert [StatusChoice.parse(v.value) for v in values] == list(CHOICES)


def test_a_chosen_option_comes_back_as_the_neutral_choice() -> None:
    (message,) = render_message(lane_card(crowded_session(), [], None))
    (select,) = elements(message.blocks, "static_select")
    chosen = select["options"][3]
    body = json.loads((FIXTURES / "block_actions_select.json").read_text(encoding="utf-8"))
    action = copy.deepcopy(body["actions"][0]) | {"action_id": select["action_id"], "selected_option": chosen}
    body["actions"] = [action]
    (event,) = translate.action_events(body, "team", AT)
    assert (event.action, event.session_id, event.value) == (
        ActionId.STATUS_UPDATE,
        SESSION_ID,
        "client_update:detailed",
    )


def test_a_drafted_ticket_note_renders_as_a_code_block_with_post_to_ticket() -> None:
    session = crowded_session()
    choice = StatusChoice(StatusKind.TICKET_NOTES, detailed=True)
    record: DocumentPreview = requested("team", session, choice, AT, "Alice")
    drafted(record, choice, "Line <one> & more\n" * 400, "claude")  # longer than one section
    messages = render_message(draft_view(session, session.state_version, choice, record))
    blocks = [b for m in messages for b in m.blocks]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) > 1 and all(s.startswith("```") and len(s) <= SECTION_TEXT for s in sections)
    assert "&lt;one&gt; &amp; more" in sections[0]
    (button,) = elements(messages[-1].blocks, "button")
    assert button["text"]["text"] == "Post to ticket #1234567" and len(button["text"]["text"]) <= BUTTON_TEXT
    assert ids.ButtonValue.decode(button["value"]).value == post_value(session.state_version, choice)


def test_other_kinds_render_without_a_post_button() -> None:
    session = crowded_session()
    choice = StatusChoice(StatusKind.EMAIL_DRAFT)
    record = requested("team", session, choice, AT, "Alice")
    drafted(record, choice, "Subject: Update\n\nHello,", "claude")
    (message,) = render_message(draft_view(session, session.state_version, choice, record))
    assert not elements(message.blocks, "button")
    assert any(b["type"] == "context" and "draft to copy" in json.dumps(b) for b in message.blocks)

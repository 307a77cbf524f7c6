"""The escalation package in Block Kit: the task lane's "Escalation package" button keeps a crowded card within
Slack's limits (the "Status update" menu stays its last row), and a long package preview renders within them with
"Post to ticket" and "Edit" carrying the document kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.engine.events import ActionId
from bot.engine.model import Session, SessionType, TaskLaneItem, TicketLink
from bot.engine.pilot import lane
from bot.engine.pilot.documents import preview_view
from bot.engine.pilot.records import DocumentPreview
from bot.engine.pilot.views import lane_card
from bot.handlers.slack import ids
from bot.handlers.slack.render import BUTTON_TEXT, MESSAGE_BLOCKS, SECTION_TEXT, render_message

AT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
SESSION_ID = "0b0b5f8e-7c2d-4f3a-9a1e-5d6c7b8a9f00"
HEADINGS = ("Problem", "What we've confirmed", "What we've tried", "Current hypothesis", "Suggested next steps")


def crowded_session() -> Session:
    """A FlowPilot session with a full lane (long texts, four options per question) at a large state version."""
    session = Session(SESSION_ID, "team", "eng", {}, "slack:C1:1", AT, AT, SessionType.CHAT, state_version=987_654_321)
    session.ticket = TicketLink("1234567")
    for i in range(lane.MAX_OPEN):
        kind = lane.QUESTION if i % 2 else lane.CHECK
        options = ["o" * 75] * 4 if kind == lane.QUESTION else []
        session.pending_task_lane.append(TaskLaneItem(f"item-{i}", kind, "x" * 500, options=options))
    return session


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


def test_the_package_button_fits_a_crowded_lane_card_before_the_menu() -> None:
    messages = render_message(lane_card(crowded_session(), [], None))
    assert all(len(m.blocks) <= MESSAGE_BLOCKS for m in messages)
    last = messages[-1].blocks
    assert last[-1]["elements"][0]["type"] == "static_select"  # the menu is still the card's last row
    package, escalate = last[-2]["elements"]
    assert package["text"]["text"] == "Escalation package" and ".package." in package["action_id"]
    assert escalate["text"]["text"] == "Escalate" and ".escalate." in escalate["action_id"]
    value = ids.ButtonValue.decode(package["value"])
    assert (value.session_id, value.state_version) == (SESSION_ID, 987_654_321)


def test_a_long_package_preview_renders_within_the_limits_with_its_kind_on_the_buttons() -> None:
    session = crowded_session()
    sections = [(h, f"{h} <detail> & more\n" * 300) for h in HEADINGS]  # each longer than one section block
    assessment = {
        "summary_prose": "s" * 2000,
        "likely_cause": "c" * 500,
        "suggested_steps": ["step " * 40] * 12,
        "confidence": 0.55,
    }
    preview = DocumentPreview("team", SESSION_ID, "escalation", session.state_version, sections, AT, assessment, "deep")
    messages = render_message(preview_view(session, preview))
    blocks = [b for m in messages for b in m.blocks]
    assert all(len(m.blocks) <= MESSAGE_BLOCKS for m in messages)
    assert all(len(b["text"]["text"]) <= SECTION_TEXT for b in blocks if b["type"] == "section")
    post, edit = buttons(messages[-1].blocks)
    assert post["text"]["text"] == "Post to ticket #1234567" and len(post["text"]["text"]) <= BUTTON_TEXT
    assert ids.parse_action_id(post["action_id"]) is ActionId.POST_PACKAGE
    assert ids.parse_action_id(edit["action_id"]) is ActionId.EDIT_DOCUMENT
    assert {ids.ButtonValue.decode(b["value"]).value for b in (post, edit)} == {"escalation"}

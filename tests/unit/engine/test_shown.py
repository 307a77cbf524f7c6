"""What people typed is masked before a card shows it in a shared channel (domain §9), and settled lane items
say how they ended."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.model import Session, TaskLaneItem, TicketLink
from bot.engine.pilot import lane
from bot.engine.pilot.views import item_blocks
from bot.engine.replies import Fields, Header, Text
from bot.engine.shown import shown
from bot.engine.views import session_card

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SECRET = "password: Hunter2!xyz"


def pilot_session() -> Session:
    return Session(
        id="s1",
        team_id="t1",
        engineer_id="u1",
        conversation={},
        conversation_key="slack:C1:",
        started_at=AT,
        updated_at=AT,
        title=f"VPN fails for pat@example.com, {SECRET}",
        problem_summary=f"VPN fails for pat@example.com from 10.1.2.3, {SECRET}",
    )


def card_text(session: Session) -> str:
    parts: list[str] = []
    for block in session_card(session, None, "Pat").blocks:
        if isinstance(block, Header):
            parts.append(block.text)
        elif isinstance(block, Fields):
            parts += [value for _, value in block.items]
    return "\n".join(parts)


def test_the_session_card_masks_what_the_engineer_typed() -> None:
    session = pilot_session()
    session.ticket = TicketLink(number="12345", summary="Call back on 10.9.8.7, contact lee@example.com")
    text = card_text(session)
    for secret in ("Hunter2!xyz", "pat@example.com", "10.1.2.3", "10.9.8.7", "lee@example.com"):
        assert secret not in text
    assert "VPN fails for" in text


def test_lane_answers_are_masked_and_a_failed_check_is_marked_failed() -> None:
    question = TaskLaneItem(id="q1", kind=lane.QUESTION, text="Which account?")
    lane.answer(question, f"the service account, {SECRET}", "Pat", AT)
    check = TaskLaneItem(id="c1", kind=lane.CHECK, text="Stale Office credentials")
    lane.answer(check, lane.CHECK_RESULTS["failed"], "Pat", AT)
    shown_text = [
        b.text for item in (question, check) for b in item_blocks(pilot_session(), item) if isinstance(b, Text)
    ]
    assert "Hunter2!xyz" not in shown_text[0] and "the service account" in shown_text[0]
    assert shown_text[1].startswith("❌")


def test_plain_text_is_shown_as_typed() -> None:
    assert shown("Outlook keeps asking for the password on host ACME-DC01") == (
        "Outlook keeps asking for the password on host ACME-DC01"
    )
    assert shown("") == ""

"""Ticket context in: `start <flow> #N` and `link #N` fetch the ticket from the team's PSA (an in-memory fake of our
PSA port); an unknown ticket or refused keys stop the command with nothing changed; an unreachable PSA does not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine.engine import Engine
from bot.engine.psa import NoteKind, PsaAuthError, PsaNote, PsaTicket, PsaUnavailableError
from bot.engine.replies import Ephemeral
from tests.fakes.chat import Chat
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

TICKET = PsaTicket(
    12345,
    "Outlook keeps asking for a password",
    company="Contoso Dental",
    contact="Pat Quinn",
    contact_email="pat@contoso.example",
    board="Service Desk",
    status="New",
    priority="Priority 2 - High",
)


@pytest.fixture
def psa() -> MemoryPsa:
    fake = MemoryPsa(tickets={TICKET.id: TICKET})
    fake.notes[TICKET.id] = [
        PsaNote(
            1,
            "Client called, prompt appears every 5 minutes.",
            NoteKind.DETAIL,
            "Front desk",
            datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        ),
    ]
    return fake


@pytest.fixture
def chat(db: MemoryDatabase, clock: FakeClock, psa: MemoryPsa, team_id: str) -> Chat:
    engine = Engine(db, clock, SequentialIds(), psa=MemoryPsaDirectory({team_id: psa}))
    return Chat(engine, team_id, clock, "alice")


async def sessions(db: MemoryDatabase) -> list:  # type: ignore[type-arg]
    return list(db.state.sessions.values())


async def test_start_with_a_ticket_shows_its_card_and_seeds_the_problem(chat: Chat, db: MemoryDatabase) -> None:
    await chat.say("/start vpn-test #12345")
    text = chat.text()
    assert "#12345 — Outlook keeps asking for a password" in text
    assert "Contoso Dental" in text and "Pat Quinn" in text and "Service Desk" in text
    assert "prompt appears every 5 minutes" in text
    (session,) = await sessions(db)
    assert session.ticket.summary == TICKET.summary and session.ticket.company == "Contoso Dental"
    assert session.problem_summary == TICKET.summary


async def test_own_problem_words_win_over_the_ticket_summary(chat: Chat, db: MemoryDatabase) -> None:
    await chat.say("/start vpn-test #12345 only on the laptop")
    (session,) = await sessions(db)
    assert session.problem_summary == "only on the laptop"


async def test_an_unknown_ticket_starts_nothing(chat: Chat, db: MemoryDatabase) -> None:
    replies = await chat.say("/start vpn-test #999")
    assert [type(r) for r in replies] == [Ephemeral]
    assert "Ticket #999 not found in ConnectWise" in chat.text()
    assert await sessions(db) == []


async def test_refused_keys_start_nothing_and_say_why(chat: Chat, psa: MemoryPsa, db: MemoryDatabase) -> None:
    psa.fail_with = PsaAuthError("ConnectWise rejected the API keys for company acme.")
    await chat.say("/start vpn-test #12345")
    assert "rejected the API keys" in chat.text() and await sessions(db) == []


async def test_an_unreachable_psa_does_not_hold_the_engineer_up(chat: Chat, psa: MemoryPsa, db: MemoryDatabase) -> None:
    psa.fail_with = PsaUnavailableError("ConnectWise did not answer within 10 s")
    await chat.say("/start vpn-test #12345")
    assert "could not be fetched" in chat.text()
    (session,) = await sessions(db)
    assert session.ticket.number == "12345" and session.ticket.summary == ""


async def test_link_fetches_the_ticket_and_unknown_tickets_change_nothing(chat: Chat, db: MemoryDatabase) -> None:
    await chat.say("/start vpn-test")
    (session,) = await sessions(db)
    version = session.state_version
    await chat.say("/link #4040")
    assert "Ticket #4040 not found" in chat.text()
    (session,) = await sessions(db)
    assert session.ticket is None and session.state_version == version
    await chat.say("/link #12345")
    assert "Contoso Dental" in chat.text()
    (session,) = await sessions(db)
    assert session.ticket.company == "Contoso Dental" and session.problem_summary == TICKET.summary


async def test_a_team_without_a_psa_links_by_number_and_says_so(
    db: MemoryDatabase, clock: FakeClock, team_id: str
) -> None:
    chat = Chat(Engine(db, clock, SequentialIds(), psa=MemoryPsaDirectory()), team_id, clock, "alice")
    await chat.say("/start vpn-test #12345")
    assert "linked by number only" in chat.text()
    (session,) = await sessions(db)
    assert session.ticket.number == "12345"


async def test_link_alone_opens_a_form_whose_number_links_the_ticket(chat: Chat, db: MemoryDatabase) -> None:
    await chat.say("/start vpn-test")
    await chat.say("/link")
    (form,) = [f for f in chat.forms if f.form.value == "link_ticket"]
    assert [i.name for i in form.inputs] == ["ticket"]
    await chat.submit(ticket="4040")
    assert "Ticket #4040 not found" in chat.text()
    (session,) = await sessions(db)
    assert session.ticket is None
    await chat.say("/link")
    await chat.submit(ticket="#12345")
    (session,) = await sessions(db)
    assert session.ticket is not None and session.ticket.company == "Contoso Dental"

"""The outbox worker's ``psa.ticket`` items: a ticket opened once on the named board with the text as its first
note; a lost answer fails the item with a message to check the board (never a second ticket); throttling retries."""

from __future__ import annotations

from bot.engine.maintenance.records import PSA_TICKET
from bot.engine.model import OutboxItem
from bot.engine.psa import PsaUnavailableError
from bot.jobs.outbox import OutboxWorker
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase

TEAM = "team-1"


async def rig(psa: MemoryPsa) -> tuple[MemoryDatabase, OutboxWorker]:
    db, clock = MemoryDatabase(), FakeClock()
    item = OutboxItem(
        id="out-1",
        team_id=TEAM,
        kind=PSA_TICKET,
        payload={
            "board": "Maintenance",
            "summary": "Maintenance: Patch run — 2026-12-01 22:00 UTC",
            "text": "All 2 targets done in 35 min.",
            "marker": "rf-abc",
            "label": "Maintenance summary",
            "target": "a new ticket on board Maintenance",
            "session_id": "run-1",
            "conversation": {"platform": "slack", "channel": "C1", "thread": "T1"},
        },
        idempotency_key="maintenance:run-1",
        created_at=clock.now(),
    )
    async with db() as uow:
        await uow.outbox.add(item)
        await uow.commit()
    return db, OutboxWorker(db, MemoryPsaDirectory(by_team={TEAM: psa}), clock, lambda: None)


async def test_a_ticket_is_opened_with_the_summary_as_its_first_note() -> None:
    psa = MemoryPsa()
    db, worker = await rig(psa)
    assert await worker.drain_once() == 1
    (ticket,) = psa.tickets.values()
    assert ticket.board == "Maintenance" and ticket.summary.startswith("Maintenance: Patch run")
    (note,) = psa.notes[ticket.id]
    assert note.text.startswith("All 2 targets done") and "[rf:rf-abc]" in note.text
    (item,) = db.state.outbox
    assert item.status == "done" and item.result == {"ticket_id": ticket.id}
    assert await worker.drain_once() == 0 and len(psa.tickets) == 1


async def test_a_lost_answer_fails_the_item_and_says_to_check_the_board() -> None:
    psa = MemoryPsa(fail_with=PsaUnavailableError("ConnectWise did not answer", ambiguous=True))
    db, worker = await rig(psa)
    await worker.drain_once()
    (item,) = db.state.outbox
    assert item.status == "failed" and "look on the board “Maintenance” before retrying" in item.last_error


async def test_throttling_is_retried_later() -> None:
    psa = MemoryPsa(fail_with=PsaUnavailableError("ConnectWise is throttling requests (HTTP 429)"))
    db, worker = await rig(psa)
    await worker.drain_once()
    (item,) = db.state.outbox
    assert item.status == "pending" and item.next_attempt_at is not None and "429" in item.last_error

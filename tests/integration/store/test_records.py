"""Notes, the inbox (dedupe without breaking the transaction) and the outbox (idempotency key, due items)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.engine.model import Note, NoteKind, OutboxItem
from bot.store.database import Database
from tests.integration.store.builders import NOW, SESSION, TEAM_A, TEAM_B


async def test_notes_round_trip_in_order(seeded: Database) -> None:
    first = Note("n1", TEAM_A, SESSION, NoteKind.SESSION_DOCUMENTATION, "md", "# Doc", NOW, {"email": 2})
    second = Note("n2", TEAM_A, SESSION, NoteKind.RESOLUTION, "txt", "Done", NOW + timedelta(1), {}, "cw-9", NOW)
    async with seeded.uow() as uow:
        await uow.notes.add(second)
        await uow.notes.add(first)
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.notes.for_session(TEAM_A, SESSION) == [first, second]


async def test_inbox_dedupes_and_the_transaction_still_commits(seeded: Database) -> None:
    async with seeded.uow() as uow:
        assert await uow.inbox.add(TEAM_A, "evt-1", "button", {"x": 1}, NOW) is True
        assert await uow.inbox.add(TEAM_A, "evt-1", "button", {"x": 2}, NOW) is False
        assert await uow.inbox.add(TEAM_B, "evt-1", "button", {"x": 1}, NOW) is True  # keys are per team
        await uow.settings.put(TEAM_A, {"after_duplicate": True})
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.inbox.add(TEAM_A, "evt-1", "button", {}, NOW) is False  # seen in an earlier transaction
        assert await uow.settings.get(TEAM_A) == {"after_duplicate": True}


async def test_outbox_idempotency_key_is_unique_per_team(seeded: Database) -> None:
    item = OutboxItem("o1", TEAM_A, "psa.add_note", {"note": "n1"}, "doc:s-1", NOW)
    async with seeded.uow() as uow:
        await uow.outbox.add(item)
        await uow.outbox.add(OutboxItem("o2", TEAM_B, "psa.add_note", {}, "doc:s-1", NOW + timedelta(seconds=1)))
        await uow.commit()
    async with seeded.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.outbox.add(OutboxItem("o3", TEAM_A, "psa.add_note", {}, "doc:s-1", NOW))
    async with seeded.uow() as uow:
        pending = await uow.outbox.pending()
    assert [o.id for o in pending] == ["o1", "o2"] and pending[0] == item


async def test_outbox_pending_skips_done_and_not_yet_due(seeded: Database) -> None:
    now = datetime.now(UTC)  # ``pending`` compares with the wall clock
    past, future = now - timedelta(minutes=1), now + timedelta(hours=1)
    async with seeded.uow() as uow:
        await uow.outbox.add(OutboxItem("due", TEAM_A, "k", {}, "a", NOW, next_attempt_at=past, attempts=1))
        await uow.outbox.add(OutboxItem("later", TEAM_A, "k", {}, "b", NOW, next_attempt_at=future))
        await uow.outbox.add(OutboxItem("done", TEAM_A, "k", {}, "c", NOW, status="done"))
        await uow.commit()
    async with seeded.uow() as uow:
        assert [o.id for o in await uow.outbox.pending(limit=10)] == ["due"]

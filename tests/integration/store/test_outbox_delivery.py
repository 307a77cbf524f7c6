"""Outbox delivery bookkeeping on both databases: claims are leases, two workers never claim the same item,
done/reschedule/fail/retry keep what happened, and everything stays inside its team."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.engine.model import OutboxItem
from bot.store.database import Database
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B

LEASE = NOW + timedelta(minutes=2)


async def queue(db: Database, count: int, team: str = TEAM_A) -> list[str]:
    ids = [f"{team}-o{n}" for n in range(count)]
    async with db.uow() as uow:
        for n, item_id in enumerate(ids):
            await uow.outbox.add(OutboxItem(item_id, team, "psa.note", {"n": n}, f"k{n}", NOW + timedelta(seconds=n)))
        await uow.commit()
    return ids


async def test_a_claim_is_a_lease_and_counts_an_attempt(seeded: Database) -> None:
    ids = await queue(seeded, 3)
    async with seeded.uow() as uow:
        claimed = await uow.outbox.claim_due(NOW + timedelta(minutes=1), LEASE, limit=2)
        await uow.commit()
    assert [c.id for c in claimed] == ids[:2] and all(c.attempts == 1 for c in claimed)
    async with seeded.uow() as uow:
        again = await uow.outbox.claim_due(NOW + timedelta(minutes=1), LEASE, limit=10)
        await uow.commit()
    assert [c.id for c in again] == ids[2:], "leased items are not handed out twice"
    async with seeded.uow() as uow:
        after_lease = await uow.outbox.claim_due(LEASE + timedelta(seconds=1), LEASE + timedelta(minutes=2))
        await uow.commit()
    assert sorted(c.id for c in after_lease) == sorted(ids) and all(c.attempts == 2 for c in after_lease)


async def test_concurrent_claims_never_share_an_item(seeded: Database) -> None:
    ids = await queue(seeded, 20)

    async def claim() -> list[str]:
        got: list[str] = []
        while True:
            async with seeded.uow() as uow:
                batch = await uow.outbox.claim_due(NOW + timedelta(minutes=1), LEASE, limit=3)
                await uow.commit()
            if not batch:
                return got
            got += [b.id for b in batch]

    results = await asyncio.gather(*(claim() for _ in range(4)))
    flat = [i for r in results for i in r]
    assert sorted(flat) == sorted(ids), "every item claimed exactly once"


async def test_done_reschedule_fail_and_retry(seeded: Database) -> None:
    a, b, c = await queue(seeded, 3)
    await queue(seeded, 1, TEAM_B)
    async with seeded.uow() as uow:
        await uow.outbox.claim_due(NOW + timedelta(minutes=1), LEASE)
        await uow.outbox.mark_done(a, {"note_id": 9001}, NOW)
        await uow.outbox.reschedule(b, NOW + timedelta(hours=1), "ConnectWise answered 503")
        await uow.outbox.mark_failed(c, "x" * 5000)
        await uow.commit()
    async with seeded.uow() as uow:
        done = await uow.outbox.get(TEAM_A, a)
        assert done is not None and done.status == "done" and done.result == {"note_id": 9001}
        assert done.delivered_at == NOW
        later = await uow.outbox.get(TEAM_A, b)
        assert later is not None and later.next_attempt_at == NOW + timedelta(hours=1)
        assert later.last_error == "ConnectWise answered 503"
        failed = await uow.outbox.get(TEAM_A, c)
        assert failed is not None and failed.status == "failed" and len(failed.last_error) == 2000
        assert await uow.outbox.get(TEAM_B, a) is None, "items are read within their team"
        assert await uow.outbox.retry(TEAM_B, c, NOW) is None, "nor retried from another team"
        assert await uow.outbox.retry(TEAM_A, a, NOW) is None, "only failed items are retried"
        back = await uow.outbox.retry(TEAM_A, c, NOW + timedelta(minutes=5))
        await uow.commit()
    assert back is not None and back.status == "pending" and back.attempts == 0 and back.last_error
    async with seeded.uow() as uow:
        due = await uow.outbox.claim_due(NOW + timedelta(minutes=5), NOW + timedelta(minutes=7))
    assert [d.id for d in due if d.team_id == TEAM_A] == [c]

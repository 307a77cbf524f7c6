"""Follow-up rows (``inbox_claims.following_insert``): a copilot job written while its cause is being worked goes to
the worker holding the cause's lane (the session's, or the conversation's for the command that created the
session), so it runs where the cause's replies are delivered; nobody holding them leaves it free for anyone. And
replicas claiming at the same moment lock the lease rows in one order (no deadlock)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest

from bot.store.database import Database
from bot.store.inbox_claimer import SqlInboxClaimer
from tests.integration.store.builders import NOW, TEAM_A

LEASE = timedelta(seconds=30)
WHERE = {"platform": "slack", "channel": "C1", "thread": ""}


def job(session: str, seq: int = 1) -> dict[str, Any]:
    return {"type": "PilotWork", "session_id": session, "seq": seq, "conversation": WHERE}


async def queue_job(db: Database, key: str, session: str) -> int:
    """What ``bot.engine.pilot.queue`` does inside the cause's unit of work."""
    async with db.uow() as uow:
        item_id = await uow.inbox.append(TEAM_A, key, "slack", job(session), NOW)  # type: ignore[attr-defined]
        await uow.commit()
    assert item_id is not None
    return int(item_id)


async def claim(db: Database, owner: str, after: timedelta = timedelta(0)) -> list[int]:
    now = NOW + after
    async with db.uow() as uow:
        items = await uow.inbox.claim(owner, now, now + LEASE)
        await uow.commit()
    return [item.id for item in items]


@pytest.fixture
def postgres(seeded: Database) -> Database:
    if seeded.dialect != "postgresql":
        pytest.skip("claims between replicas are a PostgreSQL feature")
    return seeded


async def test_a_copilot_job_goes_to_the_worker_holding_its_session(postgres: Database) -> None:
    cause = await SqlInboxClaimer(postgres.engine, "a").append_claimed(
        TEAM_A, "click", "slack", {"type": "ButtonPressed", "session_id": "s1", "conversation": WHERE}, NOW
    )
    assert cause is not None and cause[1] is True  # a works the session's lane
    work = await queue_job(postgres, "pilot:s1:turn:1", "s1")
    assert await claim(postgres, "b") == []  # b, woken by the NOTIFY, leaves it alone
    assert await claim(postgres, "a") == [cause[0], work]
    assert await claim(postgres, "b", after=timedelta(seconds=31)) == [cause[0], work]  # a died: taken over as usual


async def test_the_first_job_follows_the_command_that_created_the_session(postgres: Database) -> None:
    command = {"type": "CommandIssued", "conversation": WHERE}  # no session yet: the conversation's lane
    cause = await SqlInboxClaimer(postgres.engine, "a").append_claimed(TEAM_A, "cmd", "slack", command, NOW)
    assert cause is not None and cause[1] is True
    work = await queue_job(postgres, "pilot:s9:turn:1", "s9")
    assert await claim(postgres, "b") == []
    assert await claim(postgres, "a") == [cause[0], work]


async def test_an_idle_copilot_lane_moves_to_the_cause_s_worker(postgres: Database) -> None:
    first = await queue_job(postgres, "pilot:s1:turn:1", "s1")  # nobody holds anything: free for anyone
    assert await claim(postgres, "b") == [first]  # b takes the copilot lane
    async with postgres.uow() as uow:
        assert await uow.inbox.mark_processed(first, NOW)
        await uow.commit()
    cause = await SqlInboxClaimer(postgres.engine, "a").append_claimed(
        TEAM_A, "msg", "slack", {"type": "MessageReceived", "session_id": "s1", "conversation": WHERE}, NOW
    )
    assert cause is not None
    second = await queue_job(postgres, "pilot:s1:turn:2", "s1")  # b still holds the idle copilot lane
    assert await claim(postgres, "b") == []
    assert await claim(postgres, "a") == [cause[0], second]


async def test_a_redelivered_job_is_not_written_twice(postgres: Database) -> None:
    await queue_job(postgres, "pilot:s1:turn:1", "s1")
    async with postgres.uow() as uow:
        again = await uow.inbox.append(TEAM_A, "pilot:s1:turn:1", "slack", job("s1"), NOW)  # type: ignore[attr-defined]
        await uow.commit()
    assert again is None


async def test_replicas_claiming_at_once_never_deadlock(postgres: Database, caplog: pytest.LogCaptureFixture) -> None:
    """r0 holds 100 lanes whose first rows it claimed oldest lane first; newer rows arrive in the opposite lane order.
    r0 (renewing) and r1 (trying the same lanes through their new, unclaimed rows) then choose the lanes in opposite
    orders: the leases must still be locked in one order, or the two passes deadlock ("lost a lock race")."""
    caplog.set_level(logging.INFO, logger="bot.store.repositories.inbox")
    lanes = [f"s{n:03d}" for n in range(100)]
    databases = [Database(postgres.url) for _ in range(2)]
    try:
        for round_ in range(8):
            async with postgres.uow() as uow:
                for lane in lanes:
                    await uow.inbox.append(TEAM_A, f"{round_}-old-{lane}", "slack", {"session_id": lane}, NOW)  # type: ignore[attr-defined]
                await uow.commit()
            later = timedelta(seconds=40 * round_)
            assert len(await claim(databases[0], "r0", later)) == 200 * round_ + 100
            async with postgres.uow() as uow:
                for lane in reversed(lanes):
                    await uow.inbox.append(TEAM_A, f"{round_}-new-{lane}", "slack", {"session_id": lane}, NOW)  # type: ignore[attr-defined]
                await uow.commit()
            soon = later + timedelta(seconds=1)
            mine, theirs = await asyncio.gather(claim(databases[0], "r0", soon), claim(databases[1], "r1", soon))
            assert theirs == [] and len(mine) == 200 * (round_ + 1)
    finally:
        for db in databases:
            await db.dispose()
    assert "lost a lock race" not in caplog.text

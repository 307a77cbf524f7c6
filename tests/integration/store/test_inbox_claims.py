"""Inbox claims for N replicas (``bot.store.repositories.inbox_claims``): lanes held by one worker at a time,
claimed in order, taken over when a lease expires; on SQLite (one process) claims are plain reads."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.store.database import Database
from bot.store.inbox_claimer import SqlInboxClaimer
from tests.integration.store.builders import NOW, TEAM_A

LEASE = timedelta(seconds=30)


def payload(session: str, n: int = 0) -> dict[str, object]:
    return {"type": "ButtonPressed", "session_id": session, "n": n}


async def add(db: Database, key: str, session: str) -> int:
    async with db.uow() as uow:
        item_id = await uow.inbox.append(TEAM_A, key, "slack", payload(session), NOW)  # type: ignore[attr-defined]
        await uow.commit()
    assert item_id is not None
    return int(item_id)


async def claim(db: Database, owner: str, after: timedelta = timedelta(0)) -> list[int]:
    now = NOW + after
    async with db.uow() as uow:
        items = await uow.inbox.claim(owner, now, now + LEASE)
        await uow.commit()
    return [item.id for item in items]


async def done(db: Database, *ids: int) -> None:
    async with db.uow() as uow:
        for item_id in ids:
            assert await uow.inbox.mark_processed(item_id, NOW)
        await uow.commit()


def only_postgres(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("claims between replicas are a PostgreSQL feature")


async def test_the_intake_claims_a_free_lane_in_its_insert_and_leaves_a_held_one_to_its_holder(
    seeded: Database,
) -> None:
    only_postgres(seeded)
    a, b = SqlInboxClaimer(seeded.engine, "a"), SqlInboxClaimer(seeded.engine, "b")
    first = await a.append_claimed(TEAM_A, "e1", "slack", payload("s1"), NOW)
    second = await a.append_claimed(TEAM_A, "e2", "slack", payload("s1"), NOW)
    elsewhere = await b.append_claimed(TEAM_A, "e3", "slack", payload("s1"), NOW)
    other_lane = await b.append_claimed(TEAM_A, "e4", "slack", payload("s2"), NOW)
    assert await b.append_claimed(TEAM_A, "e4", "slack", payload("s2"), NOW) is None  # a redelivery
    assert first is not None and second is not None and elsewhere is not None and other_lane is not None
    assert (first[1], second[1], elsewhere[1], other_lane[1]) == (True, True, False, True)
    assert await claim(seeded, "b") == [other_lane[0]]  # s1 is a's: b never touches it
    assert await claim(seeded, "a") == [first[0], second[0], elsewhere[0]]  # a's pass picks up what b received


async def test_a_lane_s_rows_left_by_nobody_are_adopted_first_and_the_new_row_waits_for_them(
    seeded: Database,
) -> None:
    only_postgres(seeded)
    orphan = await add(seeded, "e1", "s1")  # written through a unit of work: nobody's yet
    claimer = SqlInboxClaimer(seeded.engine, "a")
    new = await claimer.append_claimed(TEAM_A, "e2", "slack", payload("s1"), NOW)
    assert new is not None and new[1] is False  # ours, but an older row came with it: claimed in order instead
    assert await claim(seeded, "a") == [orphan, new[0]]
    assert await claim(seeded, "b") == []


async def test_two_workers_claiming_at_once_split_the_lanes_and_never_share_one(seeded: Database) -> None:
    only_postgres(seeded)
    lanes = {f"s{n}": [await add(seeded, f"e{n}-{k}", f"s{n}") for k in range(3)] for n in range(40)}
    second = Database(seeded.url)
    try:
        got_a, got_b = await asyncio.gather(claim(seeded, "a"), claim(second, "b"))
    finally:
        await second.dispose()
    assert not set(got_a) & set(got_b)
    assert sorted(got_a + got_b) == sorted(i for ids in lanes.values() for i in ids)
    for ids in lanes.values():  # a lane is wholly one worker's
        assert set(ids) <= set(got_a) or set(ids) <= set(got_b)
    assert got_a == sorted(got_a) and got_b == sorted(got_b)


async def test_a_dead_worker_s_lanes_are_taken_over_when_its_lease_expires(seeded: Database) -> None:
    only_postgres(seeded)
    first, second = await add(seeded, "e1", "s1"), await add(seeded, "e2", "s1")
    assert await claim(seeded, "a") == [first, second]
    assert await claim(seeded, "b", after=timedelta(seconds=29)) == []  # a's lease still runs
    assert await claim(seeded, "b", after=timedelta(seconds=31)) == [first, second]  # a went silent: b takes over
    assert await claim(seeded, "a", after=timedelta(seconds=32)) == []  # a, back, finds the lane b's


async def test_a_worker_that_keeps_claiming_renews_its_lease(seeded: Database) -> None:
    only_postgres(seeded)
    item = await add(seeded, "e1", "s1")
    assert await claim(seeded, "a") == [item]
    assert await claim(seeded, "a", after=timedelta(seconds=20)) == [item]  # the heartbeat: lease to 50 s
    assert await claim(seeded, "b", after=timedelta(seconds=40)) == []


async def test_an_idle_lane_is_let_go_and_moves_to_whoever_receives_its_next_event(seeded: Database) -> None:
    only_postgres(seeded)
    item = await add(seeded, "e1", "s1")
    assert await claim(seeded, "a") == [item]
    await done(seeded, item)
    assert await claim(seeded, "a") == []  # nothing pending: a's lease on s1 is dropped
    new = await SqlInboxClaimer(seeded.engine, "b").append_claimed(TEAM_A, "e2", "slack", payload("s1"), NOW)
    assert new is not None and new[1] is True


async def test_a_stopping_worker_releases_its_lanes_at_once(seeded: Database) -> None:
    only_postgres(seeded)
    item = await add(seeded, "e1", "s1")
    assert await claim(seeded, "a") == [item]
    async with seeded.uow() as uow:
        await uow.inbox.release("a")
        await uow.commit()
    assert await claim(seeded, "b") == [item]


async def test_sqlite_serves_one_process_every_pending_event_is_its_own(seeded: Database) -> None:
    if seeded.dialect != "sqlite":
        pytest.skip("SQLite behaviour")
    first = await add(seeded, "e1", "s1")
    new = await SqlInboxClaimer(seeded.engine, "a").append_claimed(TEAM_A, "e2", "slack", payload("s1"), NOW)
    assert new is not None and new[1] is True
    assert await claim(seeded, "a") == [first, new[0]]
    await done(seeded, first)
    assert await claim(seeded, "b") == [new[0]]


async def test_a_new_session_s_lane_is_held_by_its_creator_while_its_messages_go_out(seeded: Database) -> None:
    only_postgres(seeded)
    async with seeded.uow() as uow:  # replica a's worker created session s1 and is posting its messages
        await uow.inbox.hold("a", ["s:s1"], NOW, NOW + LEASE)
        await uow.commit()
    b = SqlInboxClaimer(seeded.engine, "b")
    click = await b.append_claimed(TEAM_A, "e1", "slack", payload("s1"), NOW)  # the first click lands on b
    assert click is not None and click[1] is False, "b leaves it to a"
    assert await claim(seeded, "b") == []
    async with seeded.uow() as uow:  # a's pass while it still delivers: the lane stays its, and so does the click
        assert [i.id for i in await uow.inbox.claim("a", NOW, NOW + LEASE, keep=["s:s1"])] == [click[0]]
        await uow.commit()
    await done(seeded, click[0])
    async with seeded.uow() as uow:  # still delivering the click's replies: kept though nothing is pending
        await uow.inbox.claim("a", NOW, NOW + LEASE, keep=["s:s1"])
        await uow.commit()
    later = await b.append_claimed(TEAM_A, "e2", "slack", payload("s1"), NOW)
    assert later is not None and later[1] is False
    await claim(seeded, "a")  # delivered: the idle lane is let go ... (and this pass claims e2 for a)
    await done(seeded, later[0])
    await claim(seeded, "a")  # ... once nothing of it is pending
    free = await b.append_claimed(TEAM_A, "e3", "slack", payload("s1"), NOW)
    assert free is not None and free[1] is True, "an idle session moves to whoever receives its next event"


async def test_a_kept_lane_s_lease_is_renewed_by_each_pass(seeded: Database) -> None:
    only_postgres(seeded)
    async with seeded.uow() as uow:
        await uow.inbox.hold("a", ["s:s1"], NOW, NOW + LEASE)
        await uow.commit()
    later = NOW + LEASE - timedelta(seconds=1)  # a delivery held up for almost a whole lease
    async with seeded.uow() as uow:
        await uow.inbox.claim("a", later, later + LEASE, keep=["s:s1"])
        await uow.commit()
    b = SqlInboxClaimer(seeded.engine, "b")
    click = await b.append_claimed(TEAM_A, "e1", "slack", payload("s1"), NOW + LEASE + timedelta(seconds=5))
    assert click is not None and click[1] is False, "still a's: the pass renewed it"

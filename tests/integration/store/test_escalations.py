"""Escalations on SQLite and PostgreSQL: lossless round trips, team scoping, and the atomic claim — of two
claimers in concurrent transactions exactly one wins, and the loser's write changes nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.engine.escalation.records import Escalation, PackageSource
from bot.store.database import Database
from tests.integration.store.builders import ALICE, NOW, SESSION, TEAM_A, TEAM_B

CAROL, DAVE = "user-c", "user-d"


def escalation(eid: str = "esc-1", **changes: object) -> Escalation:
    """An escalation with every unclaimed field away from its default."""
    e = Escalation(
        id=eid,
        team_id=TEAM_A,
        session_id=SESSION,
        escalated_by=ALICE,
        escalated_by_name="Alice",
        created_at=NOW,
        reason="The tunnel drops after the restart " * 40,
        target_id=CAROL,
        target_name="Carol",
        package=PackageSource.DRAFTING,
        package_version=7,
        outbox_id="out-1",
        note_id="",
        reminders=2,
        last_reminded_at=NOW + timedelta(minutes=30),
    )
    return dataclasses.replace(e, **changes)  # type: ignore[arg-type]


async def test_round_trip_queries_and_updates(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.escalations.add(escalation())
        await uow.escalations.add(escalation("esc-2", created_at=NOW + timedelta(hours=1), outbox_id=""))
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.escalations.get(TEAM_A, "esc-1") == escalation()
        assert await uow.escalations.get(TEAM_B, "esc-1") is None  # another team's row is not there for it
        latest = await uow.escalations.latest_for_session(TEAM_A, SESSION)
        assert latest is not None and latest.id == "esc-2"
        found = await uow.escalations.by_outbox(TEAM_A, "out-1")
        assert found is not None and found.id == "esc-1"
        assert await uow.escalations.by_outbox(TEAM_A, "") is None
        assert [e.id for e in await uow.escalations.since(TEAM_A, NOW + timedelta(minutes=1))] == ["esc-2"]
        changed = escalation(
            package=PackageSource.FLOWPILOT,
            note_id="9001",
            choice="continue",
            first_action_at=NOW + timedelta(minutes=4),
            reminders=3,
            claimed_by="forged",  # update never writes the claim
        )
        await uow.escalations.update(changed)
        await uow.commit()
    async with seeded.uow() as uow:
        stored = await uow.escalations.get(TEAM_A, "esc-1")
    assert stored == dataclasses.replace(changed, claimed_by="")


async def test_an_escalation_must_belong_to_its_sessions_team(seeded: Database) -> None:
    async with seeded.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.escalations.add(escalation(team_id=TEAM_B))


async def test_the_claim_is_atomic_across_concurrent_transactions(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.escalations.add(escalation())
        await uow.commit()
    async with seeded.uow() as first, seeded.uow() as second:
        assert await first.escalations.claim(TEAM_A, "esc-1", CAROL, "Carol", NOW)
        racing = asyncio.create_task(second.escalations.claim(TEAM_A, "esc-1", DAVE, "Dave", NOW))
        await asyncio.sleep(0.2)  # the second claimer is now waiting for the first one's transaction
        assert not racing.done()
        await first.commit()
        assert await racing is False
        await second.commit()
    async with seeded.uow() as uow:
        stored = await uow.escalations.get(TEAM_A, "esc-1")
        assert stored is not None and (stored.claimed_by, stored.claimed_by_name, stored.claimed_at) == (
            CAROL,
            "Carol",
            NOW,
        )
        assert not await uow.escalations.claim(TEAM_A, "esc-1", DAVE, "Dave", NOW)  # later claims change nothing
        assert not await uow.escalations.claim(TEAM_B, "esc-1", DAVE, "Dave", NOW)


async def test_a_rolled_back_claim_leaves_it_claimable(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.escalations.add(escalation())
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.escalations.claim(TEAM_A, "esc-1", CAROL, "Carol", NOW)
        await uow.rollback()
    async with seeded.uow() as uow:
        assert await uow.escalations.claim(TEAM_A, "esc-1", DAVE, "Dave", NOW)
        await uow.commit()
        stored = await uow.escalations.get(TEAM_A, "esc-1")
    assert stored is not None and stored.claimed_by == DAVE

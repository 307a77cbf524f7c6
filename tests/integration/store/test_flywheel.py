"""The knowledge flywheel's storage on SQLite and PostgreSQL: the fixture world through a real run, proposals with
their evidence and signature, the watermark, team scoping, and the review that only the first reviewer wins."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine.events import Actor, ConversationRef, PilotJob, PilotWork
from bot.engine.flywheel.records import FlywheelRun
from bot.engine.flywheel.run import FlywheelRunner
from bot.engine.pilot.records import FlowProposal
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import DuplicateRowError
from bot.pilot.offline import OfflineCopilot
from bot.store.database import Database
from tests.fakes.memory_store import FakeClock, SequentialIds
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B
from tests.unit.engine.flywheel_world import add_printer_flow, load_world


def work(team: str) -> PilotWork:
    return PilotWork(
        team_id=team,
        actor=Actor("test", "alice", "Alice"),
        conversation=ConversationRef("test", "C1", "T1"),
        at=NOW,
        event_id="run-1",
        session_id="",
        job=PilotJob.FLYWHEEL,
        seq=0,
        arg="manual",
    )


async def test_a_run_stores_proposals_with_evidence_and_its_watermark(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await add_printer_flow(uow)
        ids = await load_world(uow, TEAM_A, NOW)
        await uow.commit()
    offline = OfflineCopilot()
    clock = FakeClock(NOW)
    runner = FlywheelRunner(seeded.uow, clock, SequentialIds(), PilotServices(offline, offline))
    replies = await runner.run(work(TEAM_A), None)
    assert replies  # the review DM to Alice and the run's summary

    async with seeded.uow() as uow:
        pending = await uow.pilot.proposals(TEAM_A)
        run = await uow.flywheel.last_run(TEAM_A)
        ended = await uow.flywheel.resolved_since(TEAM_A, None, 100)
        assert await uow.pilot.proposals(TEAM_B) == [] and await uow.flywheel.last_run(TEAM_B) is None
    assert sorted(p.proposal_type for p in pending) == ["branch_addition", "new_flow"]
    vpn = next(p for p in pending if p.proposal_type == "new_flow")
    assert vpn.evidence["count"] == 3 and vpn.validated_by_outcome and vpn.signature.startswith("new:")
    assert {s["id"] for s in vpn.evidence["sessions"]} == {ids["vpn-1"], ids["vpn-2"], ids["vpn-3"]}
    assert run is not None and run.watermark == ended[-1][1] and run.proposals_new == 2
    assert [at for _, at in ended] == sorted(at for _, at in ended)

    clock.advance(minutes=1)
    again = await runner.run(dataclasses.replace(work(TEAM_A), event_id="run-2"), None)
    async with seeded.uow() as uow:
        assert len(await uow.flywheel.all_proposals(TEAM_A)) == 2
        assert (await uow.flywheel.last_run(TEAM_A)).sessions_read == 0  # type: ignore[union-attr]
    assert len(again) == 1  # only the summary: nothing new to review


def proposal(pid: str = "p-1", signature: str = "new:abc") -> FlowProposal:
    return FlowProposal(
        id=pid,
        team_id=TEAM_A,
        proposal_type="new_flow",
        status="pending",
        flow_key="vpn-cert",
        name="VPN certificate",
        source="key: vpn-cert\n",
        created_at=NOW,
        evidence={"count": 2, "sessions": [{"id": "s-1", "outcome": "worked"}], "terms": ["vpn"]},
        signature=signature,
        tier="offline",
    )


async def test_proposal_round_trip_signature_and_the_first_reviewer_wins(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.pilot.add_proposal(proposal())
        await uow.pilot.add_proposal(dataclasses.replace(proposal("p-2", ""), signature=""))  # `flow generate`
        await uow.commit()
    with pytest.raises(DuplicateRowError):
        async with seeded.uow() as uow:
            await uow.pilot.add_proposal(proposal("p-3"))
    async with seeded.uow() as uow:
        stored = await uow.flywheel.by_signature(TEAM_A, "new:abc")
        assert stored == proposal() and await uow.flywheel.proposal(TEAM_B, "p-1") is None
        stored.evidence = {**stored.evidence, "count": 3}
        await uow.flywheel.update_evidence(stored)
        await uow.commit()

    async with seeded.uow() as first, seeded.uow() as second:
        mine = dataclasses.replace(proposal(), status="approved", decided_by="user-a", decided_by_name="Alice")
        mine.decided_at, mine.published_version = NOW, 4
        assert await first.flywheel.decide(mine)
        await first.commit()
        theirs = dataclasses.replace(proposal(), status="rejected", decided_by="user-b", reason="no")
        assert not await second.flywheel.decide(theirs)
        await second.commit()
    async with seeded.uow() as uow:
        decided = await uow.flywheel.proposal(TEAM_A, "p-1")
        legacy = await uow.flywheel.proposal(TEAM_A, "p-2")
        await uow.flywheel.add_run(FlywheelRun("r-1", TEAM_A, NOW, "nightly", NOW, proposals_new=1))
        await uow.commit()
    assert decided is not None and (decided.status, decided.decided_by_name, decided.published_version) == (
        "approved",
        "Alice",
        4,
    )
    assert decided.evidence["count"] == 3 and decided.reason == ""
    assert legacy is not None and legacy.signature == "p-2"  # a proposal without a group signs with its id

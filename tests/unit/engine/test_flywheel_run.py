"""The knowledge flywheel offline: proposals from the fixture of resolved sessions, their evidence, no duplicates."""

from __future__ import annotations

import pytest

from bot.engine.engine import Engine
from bot.engine.events import Actor, ConversationRef, PilotJob, PilotWork
from bot.engine.flywheel.draft import checked
from bot.engine.pilot.records import FlowProposal
from bot.engine.pilot.services import PilotServices
from bot.engine.replies import DirectMessage, Update
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import view_text
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.flywheel_world import add_printer_flow, load_world

SECRETS = ("203.0.113.7", "jane.doe@example.com", "abcdefghijklmnopqrstuvwxyz0123456789")


@pytest.fixture
def pilot_engine(db: MemoryDatabase, clock: FakeClock) -> Engine:
    offline = OfflineCopilot()
    return Engine(db, clock, SequentialIds(), pilot=PilotServices(offline, offline))


@pytest.fixture
async def world(pilot_engine: Engine, db: MemoryDatabase, clock: FakeClock) -> tuple[str, dict[str, str]]:
    team = await pilot_engine.ensure_team("acme")
    async with db() as uow:
        await add_printer_flow(uow)
        ids = await load_world(uow, team, clock.now())
        await uow.commit()
    return team, ids


def job(team: str, clock: FakeClock, event_id: str = "run-1", arg: str = "manual") -> PilotWork:
    return PilotWork(
        team_id=team,
        actor=Actor("test", "alice", "Alice"),
        conversation=ConversationRef("test", "C1", "T1"),
        at=clock.now(),
        event_id=event_id,
        session_id="",
        job=PilotJob.FLYWHEEL,
        seq=0,
        arg=arg,
    )


def by_type(db: MemoryDatabase) -> dict[str, FlowProposal]:
    return {p.proposal_type: p for p in db.state.proposals}


async def test_fixture_sessions_become_a_new_flow_and_a_branch(
    pilot_engine: Engine, db: MemoryDatabase, clock: FakeClock, world: tuple[str, dict[str, str]]
) -> None:
    team, ids = world
    replies = await pilot_engine.handle(job(team, clock))

    assert sorted(by_type(db)) == ["branch_addition", "new_flow"]  # the noise made nothing
    vpn, printer = by_type(db)["new_flow"], by_type(db)["branch_addition"]
    assert {s["id"] for s in vpn.evidence["sessions"]} == {ids["vpn-1"], ids["vpn-2"], ids["vpn-3"]}
    assert (vpn.evidence["count"], vpn.evidence["worked"], vpn.evidence["failed"]) == (3, 2, 1)
    assert vpn.validated_by_outcome and vpn.status == "pending" and vpn.tier == "offline"
    assert "vpn" in vpn.evidence["terms"] and "certificate" in vpn.evidence["terms"]
    assert {s["id"] for s in printer.evidence["sessions"]} == {ids["printer-1"], ids["printer-2"]}
    assert (printer.flow_key, printer.node_id, printer.base_version) == ("printer-offline", "prints-now", 1)
    assert printer.evidence["node_title"] == "Does a test page print now?"

    for proposal in (vpn, printer):  # both drafts load and validate
        flow, errors = checked(proposal.source)
        assert flow is not None and errors == []
    branch = checked(printer.source)[0]
    assert branch is not None and branch.key == "printer-offline"
    options = [o.label for o in branch.node("prints-now").options]
    assert options[:2] == ["Yes", "No"] and "SNMP" in options[2]

    stored = repr(db.state.proposals)
    assert not any(secret in stored for secret in SECRETS)  # redacted before it was grouped or stored

    dms = [r for r in replies if isinstance(r, DirectMessage)]
    assert [d.actor.platform_user_id for d in dms] == ["alice"]  # the team admin, not Bob
    text = view_text(dms[0].view)
    assert "New flow proposals to review" in text and "[Approve] | [Edit] | [Reject] | [Dismiss]" in text
    assert text.index("certificate") < text.index("Printer offline")  # 3 sessions rank before 2
    summary = [r for r in replies if isinstance(r, Update)]
    assert "2 new proposal(s)" in view_text(summary[0].view)


async def test_a_second_run_makes_no_duplicate_and_later_sessions_join_the_pending_proposal(
    pilot_engine: Engine, db: MemoryDatabase, clock: FakeClock, world: tuple[str, dict[str, str]]
) -> None:
    team, _ = world
    await pilot_engine.handle(job(team, clock))
    again = await pilot_engine.handle(job(team, clock, "run-2"))
    assert len(db.state.proposals) == 2 and not any(isinstance(r, DirectMessage) for r in again)
    assert db.state.flywheel_runs[-1].sessions_read == 0  # the watermark moved past every session

    db.state.flywheel_runs.clear()  # a lost watermark (restored backup): the same groups are found again
    await pilot_engine.handle(job(team, clock, "run-3"))
    assert len(db.state.proposals) == 2

    clock.advance(days=7)  # a week later: two more sessions like the VPN ones, resolved since the last run
    async with db() as uow:
        later = await load_world(uow, team, clock.now(), keys=["vpn-1", "vpn-2"], tag=":later")
        await uow.commit()
    replies = await pilot_engine.handle(job(team, clock, "run-4"))
    vpn = by_type(db)["new_flow"]
    assert len(db.state.proposals) == 2 and vpn.evidence["count"] == 5
    assert {later["vpn-1"], later["vpn-2"]} <= {s["id"] for s in vpn.evidence["sessions"]}
    assert not any(isinstance(r, DirectMessage) for r in replies)  # nothing new to review
    assert "0 new proposal(s), 1 updated" in view_text(replies[-1].view)  # type: ignore[union-attr]


async def test_a_group_of_one_counts_only_when_its_fix_worked(
    pilot_engine: Engine, db: MemoryDatabase, clock: FakeClock
) -> None:
    team = await pilot_engine.ensure_team("solo")
    async with db() as uow:
        await load_world(uow, team, clock.now(), keys=["vpn-1", "noise-single"])
        await uow.commit()
    await pilot_engine.handle(job(team, clock))
    assert [(p.proposal_type, p.validated_by_outcome) for p in db.state.proposals] == [("new_flow", True)]


async def test_nothing_to_propose_is_said_plainly(pilot_engine: Engine, clock: FakeClock) -> None:
    team = await pilot_engine.ensure_team("quiet")
    replies = await pilot_engine.handle(job(team, clock))
    assert [view_text(r.view) for r in replies if isinstance(r, Update)] == [
        "Knowledge flywheel: read 0 resolved session(s); nothing new to propose."
    ]

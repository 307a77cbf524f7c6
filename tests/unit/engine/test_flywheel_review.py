"""Reviewing flow proposals: `proposals`, Approve, Edit & publish, Reject, Dismiss, racing reviewers, non-admins."""

from __future__ import annotations

import pytest

from bot.engine.engine import Engine
from bot.engine.events import ActionId, Actor, ConversationRef, PilotJob, PilotWork
from bot.engine.model import Role
from bot.engine.pilot.records import FlowProposal
from bot.engine.pilot.services import PilotServices
from bot.engine.replies import Button, Ephemeral, OpenForm
from bot.flows.model import FlowStatus
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.flywheel_world import add_printer_flow, load_world


@pytest.fixture
def pilot_engine(db: MemoryDatabase, clock: FakeClock) -> Engine:
    offline = OfflineCopilot()
    return Engine(db, clock, SequentialIds(), pilot=PilotServices(offline, offline))


@pytest.fixture
async def team(pilot_engine: Engine, db: MemoryDatabase, clock: FakeClock) -> str:
    team = await pilot_engine.ensure_team("acme")
    async with db() as uow:
        await add_printer_flow(uow)
        await load_world(uow, team, clock.now())
        await uow.commit()
    work = PilotWork(
        team_id=team,
        actor=Actor("test", "alice", "Alice"),
        conversation=ConversationRef("test", "C1", "T1"),
        at=clock.now(),
        event_id="run-1",
        session_id="",
        job=PilotJob.FLYWHEEL,
        seq=0,
        arg="manual",
    )
    await pilot_engine.handle(work)
    return team


@pytest.fixture
def alice(pilot_engine: Engine, team: str, clock: FakeClock) -> Chat:
    return Chat(pilot_engine, team, clock, "alice")


@pytest.fixture
def bob(pilot_engine: Engine, team: str, clock: FakeClock) -> Chat:
    return Chat(pilot_engine, team, clock, "bob")


def proposal(db: MemoryDatabase, kind: str) -> FlowProposal:
    return next(p for p in db.state.proposals if p.proposal_type == kind)


def review(chat: Chat, action: ActionId, target: FlowProposal) -> Button:
    return next(b for b in chat.buttons if b.action is action and b.value == target.id)


async def make_admin(db: MemoryDatabase, team: str, name: str) -> None:
    async with db() as uow:
        user = await uow.users.by_identity(team, "test", name)
        assert user is not None
        user.role = Role.TEAM_ADMIN
        await uow.users.update(user)
        await uow.commit()


async def test_anyone_lists_the_queue_and_only_admins_get_the_buttons(alice: Chat, bob: Chat) -> None:
    await bob.say("/proposals")
    assert "Flow proposals waiting for review" in bob.text() and "Printer offline" in bob.text()
    assert "✅ proven by an outcome" in bob.text() and "3 sessions · 2 worked · 1 failed" in bob.text()
    assert bob.buttons == []
    await alice.say("/proposals")
    assert {b.action for b in alice.buttons} >= {ActionId.PROPOSAL_APPROVE, ActionId.PROPOSAL_REJECT}


async def test_approve_publishes_a_new_flow_and_a_new_version_of_the_branched_flow(
    alice: Chat, db: MemoryDatabase, team: str
) -> None:
    vpn, printer = proposal(db, "new_flow"), proposal(db, "branch_addition")
    await alice.say("/proposals")
    await alice.click("Approve", review(alice, ActionId.PROPOSAL_APPROVE, vpn))
    assert f"Alice published *{vpn.name}* (`{vpn.flow_key}` v1)" in alice.text()
    await alice.click("Approve", review(alice, ActionId.PROPOSAL_APPROVE, printer))
    async with db() as uow:
        published = await uow.flows.get(team, vpn.flow_key)
        branched = await uow.flows.get(team, "printer-offline")
    assert published is not None and published.status is FlowStatus.PUBLISHED
    assert branched is not None and len(branched.node("prints-now").options) == 3
    assert (proposal(db, "new_flow").status, proposal(db, "new_flow").decided_by_name) == ("approved", "Alice")
    assert proposal(db, "branch_addition").published_version == 1
    await alice.say("/proposals")
    assert "No flow proposals are waiting for review." in alice.text()


async def test_a_racing_second_reviewer_is_told_who_decided(
    alice: Chat, bob: Chat, db: MemoryDatabase, team: str
) -> None:
    await make_admin(db, team, "bob")
    vpn = proposal(db, "new_flow")
    await alice.say("/proposals")
    await bob.say("/proposals")
    await alice.click("Approve", review(alice, ActionId.PROPOSAL_APPROVE, vpn))
    versions = len(db.state.flows[(team, vpn.flow_key)])
    await bob.click("Reject", review(bob, ActionId.PROPOSAL_REJECT, vpn))
    assert "Alice already approved this proposal" in bob.text()
    assert len(db.state.flows[(team, vpn.flow_key)]) == versions


async def test_engineers_cannot_review(bob: Chat, alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/proposals")
    bob.buttons = alice.buttons
    await bob.click("Approve", review(bob, ActionId.PROPOSAL_APPROVE, proposal(db, "new_flow")))
    assert "Only team admins can do that (your role: engineer)." in bob.text()
    await bob.say("/proposals run")
    assert proposal(db, "new_flow").status == "pending" and "team admin" in bob.text()


async def test_edit_shows_line_numbered_errors_saves_nothing_then_publishes_the_edit(
    alice: Chat, db: MemoryDatabase, team: str
) -> None:
    vpn = proposal(db, "new_flow")
    await alice.say("/proposals")
    await alice.click("Edit", review(alice, ActionId.PROPOSAL_EDIT, vpn))
    form = alice.forms[-1]
    assert form.title == "Edit & publish" and form.inputs[0].initial.startswith(f"key: {vpn.flow_key}")
    broken = form.inputs[0].initial.replace("next: solved-check", "next: nowhere")
    await alice.submit(yaml_1=broken)
    assert isinstance(alice.last[0], Ephemeral) and "line " in alice.text() and "nowhere" in alice.text()
    assert (team, vpn.flow_key) not in db.state.flows and proposal(db, "new_flow").status == "pending"
    edited = form.inputs[0].initial.replace(f"name: {vpn.name}", "name: VPN certificate expired")
    await alice.submit(yaml_1=edited)
    assert "published *VPN certificate expired*" in alice.text()
    assert proposal(db, "new_flow").status == "modified"
    assert db.state.flows[(team, vpn.flow_key)][-1][0].name == "VPN certificate expired"


async def test_reject_with_a_reason_and_dismiss(alice: Chat, db: MemoryDatabase, team: str) -> None:
    vpn, printer = proposal(db, "new_flow"), proposal(db, "branch_addition")
    await alice.say("/proposals")
    await alice.click("Reject", review(alice, ActionId.PROPOSAL_REJECT, vpn))
    assert isinstance(alice.last[0], OpenForm)
    await alice.submit(reason="We already have a certificate runbook")
    assert "Alice rejected the proposal" in alice.text() and "certificate runbook" in alice.text()
    await alice.say("/proposals")
    await alice.click("Dismiss", review(alice, ActionId.PROPOSAL_DISMISS, printer))
    assert "Alice dismissed the proposal *Printer offline*." in alice.text()
    assert (proposal(db, "new_flow").status, proposal(db, "new_flow").reason) == (
        "rejected",
        "We already have a certificate runbook",
    )
    assert proposal(db, "branch_addition").status == "dismissed" and (team, "printer-offline") not in db.state.flows


async def test_show_gives_the_yaml_and_run_queues_the_job(alice: Chat, db: MemoryDatabase) -> None:
    vpn = proposal(db, "new_flow")
    await alice.say(f"/proposals show {vpn.id}")
    assert f"key: {vpn.flow_key}" in alice.text() and "— worked" in alice.text()
    await alice.say("/proposals show nope")
    assert "There is no flow proposal `nope`" in alice.text()
    await alice.say("/proposals run")
    assert "The knowledge flywheel is reading resolved sessions" in alice.text()
    assert any(key.startswith("pilot:flywheel:") for _, key in db.state.inbox)
    await alice.say("/proposals frobnicate")
    assert "`proposals show <id>`" in alice.text()

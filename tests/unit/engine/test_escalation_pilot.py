"""Escalating a FlowPilot session: an unfinished fix is settled first; the package is FlowPilot's (the cached current
preview at once, else drafted by the worker: the session is escalated and announced without waiting, and the note is
queued when the draft arrives); a package already sent is not sent again; "Get AI analysis" posts the briefing with
FlowPilot's assessment. Over the in-memory store and PSA with the recording copilot of the package tests."""

from __future__ import annotations

import pytest

from bot.engine.copilot import DocKind, FixProposal, PilotTurn, TurnKind
from bot.engine.engine import Engine
from bot.engine.escalation.records import PackageSource
from bot.engine.events import ActionId, FormId
from bot.engine.model import FixStatus, SessionStatus
from bot.engine.pilot.services import PilotServices
from bot.engine.replies import OpenForm, Post
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.escalation_helpers import (
    ESC_CHANNEL,
    buttons,
    claim_of,
    deliver_notes,
    direct,
    ephemerals,
    in_channel,
    person,
    the_escalation,
    the_session,
)
from tests.unit.engine.test_pilot_package import (
    PACKAGE,
    TICKET,
    PackageCopilot,
    buttons_of,
    drafted,
    lane_button,
    pending_jobs,
    start,
    work,
)


@pytest.fixture
def copilot() -> PackageCopilot:
    return PackageCopilot()


@pytest.fixture
def psa() -> MemoryPsa:
    return MemoryPsa(tickets={TICKET.id: TICKET})


@pytest.fixture
def directory() -> MemoryPsaDirectory:
    return MemoryPsaDirectory()


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, copilot: PackageCopilot, directory: MemoryPsaDirectory) -> Engine:
    return Engine(db, clock, SequentialIds(), psa=directory, pilot=PilotServices(copilot, OfflineCopilot()))


@pytest.fixture
async def alice(engine: Engine, team_id: str, clock: FakeClock, directory: MemoryPsaDirectory, psa: MemoryPsa) -> Chat:
    directory.by_team[team_id] = psa
    admin = Chat(engine, team_id, clock, "alice", channel=ESC_CHANNEL, thread="")
    await admin.say("/admin escalation-channel here")
    await person(engine, team_id, clock, "carol").say("/help")
    return person(engine, team_id, clock, "alice")


def notes(db: MemoryDatabase) -> list[str]:
    return [o.payload["text"] for o in db.state.outbox if o.payload.get("label") == "Escalation package"]


async def test_an_unfinished_fix_is_settled_before_escalating(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    fix = PilotTurn(TurnKind.ACTION, "Restart it", 0.6, fixes=(FixProposal("Restart the spooler"),))
    await start(engine, db, alice, "printer offline #12345", fix)
    await alice.say("/escalate @carol stuck")
    assert "Before you escalate: how did the suggested fix *Restart the spooler* go?" in alice.text()
    assert [b.label for b in buttons_of(alice.last)] == ["It worked", "Didn't work", "Partly", "Never applied"]
    assert the_session(db).status is SessionStatus.ACTIVE and not db.state.escalations and pending_jobs(db) == []

    await alice.click("Didn't work")
    assert db.state.fixes[0].status is FixStatus.APPLIED_FAILED
    await alice.say("/escalate @carol stuck")
    assert the_session(db).status is SessionStatus.ESCALATED


async def test_without_a_current_preview_the_escalation_goes_out_at_once_and_the_note_follows_the_draft(
    engine: Engine,
    db: MemoryDatabase,
    alice: Chat,
    copilot: PackageCopilot,
    directory: MemoryPsaDirectory,
    clock: FakeClock,
    psa: MemoryPsa,
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    replies = await alice.say("/escalate @carol the spooler keeps dying")
    escalation = the_escalation(db)
    assert the_session(db).status is SessionStatus.ESCALATED and escalation.package is PackageSource.DRAFTING
    assert in_channel(replies, ESC_CHANNEL) and direct(replies)  # announced without waiting for the model
    assert "FlowPilot is drafting the escalation package" in alice.text() and not notes(db)
    assert copilot.documents == [] and len(pending_jobs(db)) == 1

    drafted_replies = await work(engine, db, alice)
    assert copilot.documents == [DocKind.ESCALATION]
    (text,) = notes(db)
    assert text.startswith("Escalated by Alice to Carol: the spooler keeps dying")
    assert PACKAGE[3][1] in text  # FlowPilot's "Current hypothesis"
    escalation = the_escalation(db)
    assert escalation.package is PackageSource.FLOWPILOT and escalation.outbox_id == db.state.outbox[-1].id
    assert any(isinstance(r, Post) and r.ref.startswith("push:") for r in drafted_replies)

    await deliver_notes(engine, db, directory, clock)
    (note,) = psa.notes[TICKET.id]
    assert the_session(db).escalation_package_external_id == str(note.id) == the_escalation(db).note_id


async def test_a_current_preview_is_the_package_and_one_already_sent_is_not_sent_again(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await drafted(engine, db, alice)
    await alice.click("Post to ticket")
    (sent,) = db.state.outbox
    await alice.say("/escalate stuck")
    escalation = the_escalation(db)
    assert escalation.package is PackageSource.FLOWPILOT and escalation.outbox_id == sent.id
    assert len(db.state.outbox) == 1 and copilot.documents == [DocKind.ESCALATION] and pending_jobs(db) == []
    assert "already sent to ticket #12345" in alice.text()


async def test_a_current_unsent_preview_goes_to_the_ticket_at_once(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await drafted(engine, db, alice)
    await alice.say("/escalate stuck")
    (text,) = notes(db)
    assert text.startswith("Escalated by Alice: stuck") and the_escalation(db).outbox_id
    assert copilot.documents == [DocKind.ESCALATION] and pending_jobs(db) == []


async def test_the_lane_card_escalates_and_the_claimer_gets_flowpilots_briefing(
    engine: Engine, db: MemoryDatabase, alice: Chat, team_id: str, clock: FakeClock
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    escalate = next(b for b in buttons_of(alice.last) if b.action is ActionId.ESCALATE)
    assert escalate.label == "Escalate" and lane_button(db).label == "Escalation package"
    replies = await alice.click("Escalate", escalate)
    assert [r.form for r in replies if isinstance(r, OpenForm)] == [FormId.ESCALATE]
    replies = await alice.submit(target="carol", reason="")
    await work(engine, db, alice)
    carol = person(engine, team_id, clock, "carol")
    replies = await carol.click("Claim", claim_of(in_channel(replies, ESC_CHANNEL)[0].view))
    (choices,) = ephemerals(replies)
    await carol.click("Get AI analysis", buttons(choices.view)[1])
    text = carol.text()
    assert "Briefing for Carol" in text and "FlowPilot's assessment" in text and "A corrupt printer driver." in text
    assert "Task lane" in text  # then the lane again, for the new owner
    (lane,) = [r for r in carol.last if isinstance(r, Post) and "Task lane" in view_text(r.view)]
    assert lane.ref.endswith(":lane")


async def test_a_guided_session_with_only_the_offline_copilot_gets_the_structured_package(
    db: MemoryDatabase, clock: FakeClock, team_id: str, directory: MemoryPsaDirectory, psa: MemoryPsa
) -> None:
    offline = PilotServices(OfflineCopilot(), OfflineCopilot())
    engine = Engine(db, clock, SequentialIds(), psa=directory, pilot=offline)
    directory.by_team[team_id] = psa
    bob = person(engine, team_id, clock, "bob")
    await bob.say("/start vpn-test #12345")
    await bob.say("/escalate")
    assert the_escalation(db).package is PackageSource.STRUCTURED and len(notes(db)) == 1
    assert pending_jobs(db) == []

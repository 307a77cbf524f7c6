"""Escalation and handoff in a guided session (domain §11), over the in-memory store and PSA: `escalate @senior why`
announces the escalation in the team's channel (@mentioning the senior) and the senior's DM with Claim, puts the
structured package on the ticket as one internal note (its note id kept on the session), and the claimer takes
over; self-claims, viewers and late claimers are refused; `park` is private; the stats read claim → first action."""

from __future__ import annotations

import asyncio

import pytest

from bot.engine.engine import Engine
from bot.engine.escalation.records import PackageSource
from bot.engine.events import ActionId, Actor, ButtonPressed, FormId
from bot.engine.model import SessionStatus, TimelineKind
from bot.engine.replies import Ephemeral, Mention, OpenForm, Post, Update
from bot.engine.views import hhmm
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.escalation_helpers import (
    ESC_CHANNEL,
    TICKET,
    buttons,
    claim_of,
    deliver_notes,
    direct,
    ephemerals,
    in_channel,
    make_viewer,
    person,
    texts_of,
    the_escalation,
    the_session,
    user_id,
)

HEADINGS = ("Problem", "What we've confirmed", "What we've tried", "Current hypothesis", "Suggested next steps")
REASON = "The tunnel still drops after the client restart"


@pytest.fixture
def psa() -> MemoryPsa:
    return MemoryPsa(tickets={TICKET.id: TICKET})


@pytest.fixture
def directory() -> MemoryPsaDirectory:
    return MemoryPsaDirectory()


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, directory: MemoryPsaDirectory) -> Engine:
    return Engine(db, clock, SequentialIds(), psa=directory)


@pytest.fixture
async def team(engine: Engine, team_id: str, clock: FakeClock, directory: MemoryPsaDirectory, psa: MemoryPsa) -> str:
    """Alice (the first user: team admin) names the escalation channel from inside it; Carol, Dave and Vic (a
    viewer) have used the bot before."""
    directory.by_team[team_id] = psa
    admin = Chat(engine, team_id, clock, "alice", channel=ESC_CHANNEL, thread="")
    await admin.say("/admin escalation-channel here")
    assert f"announced in #{ESC_CHANNEL}" in admin.text()
    for name in ("carol", "dave", "vic", "bob"):
        await person(engine, team_id, clock, name).say("/help")
    return team_id


@pytest.fixture
def bob(engine: Engine, team: str, clock: FakeClock) -> Chat:
    return person(engine, team, clock, "bob")


@pytest.fixture
def carol(engine: Engine, team: str, clock: FakeClock) -> Chat:
    return person(engine, team, clock, "carol")


@pytest.fixture
def dave(engine: Engine, team: str, clock: FakeClock) -> Chat:
    return person(engine, team, clock, "dave")


async def escalated(bob: Chat, words: str = f"@carol {REASON}") -> list:  # type: ignore[type-arg]
    await bob.say("/start vpn-test #12345")
    await bob.click("Yes")  # the internet works without the VPN: on to "Restart the VPN client"
    return await bob.say(f"/escalate {words}")


async def test_escalating_notifies_the_channel_and_the_senior_and_puts_one_internal_note_on_the_ticket(
    engine: Engine, db: MemoryDatabase, bob: Chat, psa: MemoryPsa, directory: MemoryPsaDirectory, clock: FakeClock
) -> None:
    replies = await escalated(bob)
    session, escalation = the_session(db), the_escalation(db)
    assert session.status is SessionStatus.ESCALATED and session.escalation_reason == REASON
    assert (escalation.target_name, escalation.reason, escalation.package) == (
        "Carol",
        REASON,
        PackageSource.STRUCTURED,
    )

    (notice,) = in_channel(replies, ESC_CHANNEL)
    assert isinstance(notice, Post) and notice.ref == f"esc:{escalation.id}" and not notice.conversation.thread
    (mention,) = [b for b in notice.view.blocks if isinstance(b, Mention)]
    assert mention.people == (Actor("test", "carol", "Carol", "carol@example.invalid"),)
    assert claim_of(notice.view).value == escalation.id and REASON in view_text(notice.view)
    (dm,) = direct(replies)
    assert dm.actor.platform_user_id == "carol" and claim_of(dm.view).value == escalation.id
    thread = [r for r in replies if isinstance(r, Post) and r.conversation.channel == "C1"]
    assert "Escalated* by Bob to Carol" in view_text(thread[0].view) and claim_of(thread[0].view)
    assert any("📝 Escalation package" in view_text(p.view) for p in thread)

    (item,) = db.state.outbox
    assert item.payload["note_kind"] == "internal" and item.idempotency_key.startswith("escalation-package:")
    text = item.payload["text"]
    assert text.startswith(f"Escalated by Bob to Carol: {REASON}")
    assert [text.index(h) for h in HEADINGS] == sorted(text.index(h) for h in HEADINGS)
    assert "Does the internet work without the VPN? → Yes" in text
    (entry,) = [e for e in db.state.timeline if e.kind is TimelineKind.ESCALATED]
    assert entry.answer == REASON and entry.detail["escalation"] == escalation.id and "lane" in entry.detail

    await deliver_notes(engine, db, directory, clock)
    (note,) = psa.notes[TICKET.id]
    assert the_escalation(db).note_id == str(note.id)
    assert the_session(db).escalation_package_external_id == str(note.id)
    assert the_session(db).escalation_package_posted_at is not None


async def test_the_claim_is_refused_to_its_escalator_and_viewers_and_the_winner_takes_over(
    engine: Engine, db: MemoryDatabase, team: str, clock: FakeClock, bob: Chat, carol: Chat, dave: Chat
) -> None:
    replies = await escalated(bob)
    (notice,) = in_channel(replies, ESC_CHANNEL)
    claim = claim_of(notice.view)
    await bob.click("Claim", claim)
    assert "can't claim your own escalation" in bob.text()
    make_viewer(db, "vic")
    vic = person(engine, team, clock, "vic")
    await vic.click("Claim", claim)
    assert "Viewers can" in vic.text()
    assert not the_escalation(db).claimed and the_session(db).status is SessionStatus.ESCALATED

    clock.advance(minutes=6)
    in_esc = Chat(engine, team, clock, "carol", channel=ESC_CHANNEL, thread="N1")  # the notice's thread
    replies = await in_esc.click("Claim", claim)
    session, escalation = the_session(db), the_escalation(db)
    assert session.engineer_id == user_id(db, "carol") and session.status is SessionStatus.ACTIVE
    assert session.conversation["engineer_name"] == "Carol" and escalation.claimed_by_name == "Carol"
    (told,) = direct(replies)
    assert told.actor.platform_user_id == "bob" and "Carol claimed your escalation" in view_text(told.view)
    (updated,) = in_channel(replies, ESC_CHANNEL)
    assert isinstance(updated, Update) and updated.ref == f"esc:{escalation.id}"
    assert "Claimed by Carol" in view_text(updated.view) and not buttons(updated.view)
    (choices,) = ephemerals(replies)
    assert choices.conversation.channel == ESC_CHANNEL and choices.conversation.thread == ""
    assert [b.label for b in buttons(choices.view)] == [
        "Continue where Bob left off",
        "Get AI analysis",
        "I'll take it from here",
    ]
    assert "owns this session now" in texts_of(replies)

    await dave.click("Claim", claim)  # the losing claimer is told who won, and when
    assert f"Already claimed by Carol at {hhmm(clock.now())}" in dave.text()
    assert the_session(db).engineer_id == user_id(db, "carol")

    proceed = buttons(choices.view)[0]
    await dave.click("Continue", proceed)
    assert "Only Carol, who claimed this escalation" in dave.text()
    replies = await carol.click("Continue", proceed)
    assert "Carol continues where Bob left off" in carol.text() and "Restart the VPN client" in carol.text()
    assert all(r.conversation.channel == "C1" for r in replies if isinstance(r, Post))
    await carol.click("Take", buttons(choices.view)[2])
    assert "already picked “Continue where Bob left off”" in carol.text()

    clock.advance(minutes=4)
    await carol.click("Done")  # the claimer's first action, four minutes after the claim
    stats = Chat(engine, team, clock, "alice", channel=ESC_CHANNEL, thread="")
    await stats.say("/stats escalations")
    text = stats.text()
    assert "1 escalated · 1 claimed · 0 waiting" in text
    assert "Claim → first action* (1): average 4m 00s · median 4m 00s · p95 4m 00s" in text
    assert "Escalation → claim* (1): average 6m 00s" in text
    assert the_escalation(db).first_action_at == clock.now()


async def test_two_claimers_racing_one_wins_and_the_other_is_told_who(
    engine: Engine, db: MemoryDatabase, team: str, clock: FakeClock, bob: Chat
) -> None:
    replies = await escalated(bob)
    claim = claim_of(in_channel(replies, ESC_CHANNEL)[0].view)

    def press(name: str) -> ButtonPressed:
        actor = Actor("test", name, name.capitalize())
        chat = Chat(engine, team, clock, name, channel=ESC_CHANNEL, thread="N1")
        return ButtonPressed(
            team_id=team,
            actor=actor,
            conversation=chat.conversation,
            at=clock.now(),
            event_id=f"race:{name}",
            action=ActionId.CLAIM,
            session_id=claim.session_id,
            state_version=claim.state_version,
            value=claim.value,
        )

    carol_got, dave_got = await asyncio.gather(engine.handle(press("carol")), engine.handle(press("dave")))
    winner = the_escalation(db).claimed_by_name
    loser_got = dave_got if winner == "Carol" else carol_got
    (refusal,) = loser_got
    assert isinstance(refusal, Ephemeral) and f"Already claimed by {winner}" in view_text(refusal.view)
    assert the_session(db).engineer_id == user_id(db, winner.lower())
    assert [e.kind for e in db.state.timeline].count(TimelineKind.CLAIMED) == 1


async def test_refusals_change_nothing(
    engine: Engine, db: MemoryDatabase, team: str, clock: FakeClock, bob: Chat, carol: Chat
) -> None:
    await bob.say("/start vpn-test #12345")
    escalate = bob.button("Escalate")
    make_viewer(db, "vic")
    vic = person(engine, team, clock, "vic")
    await vic.say("/escalate")
    assert "Viewers can" in vic.text()
    for words, said in (
        ("@bob help", "can't escalate to yourself"),
        ("@vic help", "Vic is a viewer"),
        ("@nobody help", "No team member matches “@nobody”"),
    ):
        await bob.say(f"/escalate {words}")
        assert said in bob.text()
    await carol.say("/escalate please")
    assert "Only Bob, who owns this session, can escalate it" in carol.text()
    assert the_session(db).status is SessionStatus.ACTIVE and not db.state.escalations and not db.state.outbox

    await bob.say("/escalate stuck")
    await bob.click("Escalate", escalate)  # the step's button, drawn before the escalation
    assert "already escalated by Bob" in bob.text()
    assert len(db.state.escalations) == 1


async def test_the_escalate_button_asks_to_whom_and_why(db: MemoryDatabase, bob: Chat) -> None:
    await bob.say("/start vpn-test #12345")
    replies = await bob.click("Escalate")
    (form,) = [r for r in replies if isinstance(r, OpenForm)]
    assert form.form is FormId.ESCALATE and [i.name for i in form.inputs] == ["target", "reason"]
    await bob.submit(target="@carol", reason="Out of my depth with the firewall")
    escalation = the_escalation(db)
    assert (escalation.target_name, escalation.reason) == ("Carol", "Out of my depth with the firewall")
    assert the_session(db).status is SessionStatus.ESCALATED


async def test_without_a_channel_only_the_senior_is_messaged_and_the_engineer_is_told_how_to_set_one(
    engine: Engine, db: MemoryDatabase, team: str, bob: Chat
) -> None:
    admin = Chat(engine, team, bob.clock, "alice", channel=ESC_CHANNEL, thread="")
    await admin.say("/admin escalation-channel off")
    replies = await escalated(bob)
    assert not in_channel(replies, ESC_CHANNEL)
    (dm,) = direct(replies)
    assert dm.actor.platform_user_id == "carol"
    (hint,) = ephemerals(replies)
    assert "no escalation channel yet" in view_text(hint.view) and "Carol's direct messages" in view_text(hint.view)
    assert "admin escalation-channel here" in view_text(hint.view)


async def test_park_is_a_private_pause(db: MemoryDatabase, bob: Chat) -> None:
    await bob.say("/start vpn-test #12345")
    replies = await bob.say("/park waiting for the client to call back")
    assert the_session(db).status is SessionStatus.PAUSED
    assert not [r for r in replies if isinstance(r, Post)] and not direct(replies) and not db.state.outbox
    (said,) = ephemerals(replies)
    assert "Parked privately: waiting for the client" in view_text(said.view)
    (entry,) = [e for e in db.state.timeline if e.kind is TimelineKind.PAUSED]
    assert entry.detail["parked"] and entry.answer == "waiting for the client to call back"
    await bob.say("/resume")
    assert the_session(db).status is SessionStatus.ACTIVE and "Does the internet work" in bob.text()


async def test_only_team_admins_name_the_escalation_channel(engine: Engine, team: str, bob: Chat) -> None:
    await bob.say("/admin escalation-channel here")
    assert "Only team admins" in bob.text()
    admin = Chat(engine, team, bob.clock, "alice", channel=ESC_CHANNEL, thread="")
    await admin.say("/admin escalation-channel <#C777|leads>")
    assert "announced in #leads" in admin.text()
    await admin.say("/admin escalation-channel")
    assert "Escalations are announced in #leads" in admin.text()


async def test_a_mentioned_person_the_bot_has_not_met_yet_is_added_and_messaged(db: MemoryDatabase, bob: Chat) -> None:
    await bob.say("/start vpn-test #12345")
    replies = await bob.say("/escalate <@U9|zed> the firewall needs a senior")
    (dm,) = direct(replies)
    assert (dm.actor.platform, dm.actor.platform_user_id, dm.actor.display_name) == ("test", "U9", "zed")
    escalation = the_escalation(db)
    assert escalation.target_name == "zed" and escalation.reason == "the firewall needs a senior"
    assert db.state.users[escalation.target_id].role.value == "engineer"

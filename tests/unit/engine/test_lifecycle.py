"""Pause, resume, resolve, abandon, export and help."""

from __future__ import annotations

from bot.engine.model import NoteKind, SessionStatus
from bot.engine.replies import Attachment, Ephemeral
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase


def only_session(db: MemoryDatabase):  # type: ignore[no-untyped-def]
    (session,) = db.state.sessions.values()
    return session


async def test_pause_and_resume_belong_to_the_engineer(alice: Chat, bob: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    bob.thread = alice.thread
    await bob.say("/pause")
    assert "Only" in bob.text() and only_session(db).status is SessionStatus.ACTIVE
    await alice.say("/pause")
    assert only_session(db).status is SessionStatus.PAUSED
    await alice.say("/resume")
    assert only_session(db).status is SessionStatus.ACTIVE
    assert "Does the internet work" in alice.text()


async def test_resume_from_another_conversation_moves_the_session(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/pause")
    alice.thread = "T2"
    await alice.say("/resume")
    await alice.click("Resume:")
    session = only_session(db)
    assert session.status is SessionStatus.ACTIVE and session.conversation_key == "test:C1:T2"


async def test_resolve_writes_the_note_and_queues_it_for_the_ticket(
    alice: Chat, db: MemoryDatabase, clock: FakeClock
) -> None:
    await alice.say("/start vpn-test #4242")
    clock.advance(minutes=7)
    await alice.click("Yes")
    await alice.say("user was on 10.1.2.3 when it failed")
    await alice.click("Done")
    await alice.click("Yes")
    stale = alice.button("Not fixed")
    await alice.click("This fixed it")
    form = alice.forms[-1]
    assert {i.name: i.initial for i in form.inputs}["summary"] == "Restarted the VPN client service."
    await alice.submit(summary="")
    assert "Write a resolution summary" in alice.text()
    assert only_session(db).status is SessionStatus.ACTIVE
    await alice.submit()
    session = only_session(db)
    assert session.status is SessionStatus.RESOLVED and session.followups == ["Update the VPN client"]
    (note,) = alice.attachments()
    assert isinstance(note, Attachment) and note.final
    assert "#4242" in note.content and "0.25 hrs" in note.content
    assert "10.1.2.3" not in note.content
    assert [n.kind for n in db.state.notes] == [NoteKind.SESSION_DOCUMENTATION]
    assert db.state.outbox == []  # no PSA integration in this engine: nothing is queued for the ticket
    await alice.click("Not fixed", stale)
    assert "Nothing changed" in alice.text() and only_session(db).status is SessionStatus.RESOLVED


async def test_abandon_asks_then_keeps_the_record(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/abandon")
    assert only_session(db).status is SessionStatus.ACTIVE
    await alice.click("Keep it")
    assert only_session(db).status is SessionStatus.ACTIVE
    await alice.say("/abandon")
    await alice.click("Yes, abandon")
    assert only_session(db).status is SessionStatus.ABANDONED
    assert len(db.state.notes) == 1 and not db.state.outbox


async def test_export_in_each_format(alice: Chat) -> None:
    await alice.say("/start vpn-test #77")
    await alice.click("Yes")
    for fmt in ("md", "txt", "html"):
        await alice.say(f"/export {fmt}")
        (att,) = alice.attachments()
        assert att.filename.endswith(f".{fmt}") and "#77" in att.content
    await alice.say("/export pdf")
    assert "`md`, `txt` or `html`" in alice.text()


async def test_help_and_unknown_commands(alice: Chat) -> None:
    await alice.say("/help")
    assert "`start` — Start a guided flow here" in alice.text()
    await alice.say("/strat vpn")
    assert "I don't know the command `strat`" in alice.text() and "`start`" in alice.text()


async def test_list_and_search(alice: Chat) -> None:
    await alice.say("/list")
    assert "VPN test" in alice.text() and "Onboarding test" in alice.text()
    await alice.say("/search vpn tunnel")
    assert "VPN test" in alice.text()
    await alice.click("Start vpn-test")
    assert "Does the internet work" in alice.text()


async def test_export_at_channel_level_finds_the_session_in_its_thread(alice: Chat) -> None:
    await alice.say("/start vpn-test")
    alice.thread = ""  # a Slack slash command carries no thread
    replies = await alice.say("/export md")
    (doc,) = alice.attachments()
    assert "VPN test" in doc.content and doc.conversation.thread == "T1"
    assert [r.conversation.thread for r in replies if isinstance(r, Ephemeral | Attachment)] == ["T1", "T1"]
    alice.channel = "C2"
    await alice.say("/export md")
    assert not alice.attachments() and "no open session" in alice.text()

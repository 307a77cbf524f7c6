"""Walking flows: answers, stale clicks, back, notes, custom steps, values, sub-flows, targets."""

from __future__ import annotations

from bot.engine.model import Role, SessionStatus, TimelineKind
from bot.engine.replies import Update
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase


def only_session(db: MemoryDatabase):  # type: ignore[no-untyped-def]
    (session,) = db.state.sessions.values()
    return session


async def test_answer_updates_the_step_with_who_and_when(alice: Chat, db: MemoryDatabase, clock: FakeClock) -> None:
    await alice.say("/start vpn-test")
    clock.advance(minutes=3)
    replies = await alice.click("Yes")
    updated = [r for r in replies if isinstance(r, Update) and ":step:" in r.ref]
    assert updated and "Yes" in alice.text() and "Alice, 14:03 UTC" in alice.text()
    assert "Restart the VPN client" in alice.text()
    assert "Restart-Service vpnagent" in alice.text()
    entries = [t for t in db.state.timeline if t.kind is TimelineKind.STEP_ANSWERED]
    assert [(e.title, e.answer, e.actor_name) for e in entries] == [
        ("Does the internet work without the VPN?", "Yes", "Alice")
    ]


async def test_second_click_on_the_same_step_is_refused(alice: Chat, bob: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    stale = alice.button("No")
    await alice.click("Yes")
    version = only_session(db).state_version
    bob.buttons = [stale]
    await bob.click("No", stale)
    assert "already answered by Alice" in bob.text() and "(Yes)" in bob.text()
    assert only_session(db).state_version == version
    assert only_session(db).current_node == "restart"


async def test_back_returns_to_the_previous_step(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.click("Yes")
    await alice.click("Back")
    assert only_session(db).current_node == "internet"
    assert "Does the internet work" in alice.text()
    await alice.say("/back")
    assert "first step" in alice.text()


async def test_text_in_the_thread_becomes_a_note_on_the_current_step(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    version = only_session(db).state_version
    await alice.say("user is on hotel wifi")
    await alice.say("/note captive portal suspected")
    notes = [t for t in db.state.timeline if t.kind is TimelineKind.NOTE]
    assert [n.answer for n in notes] == ["user is on hotel wifi", "captive portal suspected"]
    assert notes[0].node_id == "internet"
    assert only_session(db).state_version == version  # notes don't invalidate the buttons on screen
    await alice.click("Yes")
    assert only_session(db).current_node == "restart"


async def test_empty_note_is_refused(alice: Chat) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/note   ")
    assert "Write the note" in alice.text()


async def test_message_without_session_explains(alice: Chat) -> None:
    await alice.say("hello?")
    assert "no open session" in alice.text()


async def test_custom_step_is_recorded_and_flow_resumes(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/addstep Checked the firewall logs")
    assert "[CUSTOM] Checked the firewall logs" in alice.text()
    await alice.click("Done")
    entry = next(t for t in db.state.timeline if t.kind is TimelineKind.CUSTOM_STEP)
    assert (entry.title, entry.answer) == ("Checked the firewall logs", "Done")
    assert "Does the internet work" in alice.text()


async def test_viewers_cannot_change_sessions(alice: Chat, bob: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await bob.say("/help")
    bob_user = next(u for u in db.state.users.values() if u.display_name == "Bob")
    bob_user.role = Role.VIEWER
    bob.buttons = list(alice.buttons)
    await bob.click("Yes")
    assert "Viewers can read" in bob.text()
    assert only_session(db).current_node == "internet"


async def test_text_input_step_needs_a_value(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start onboard-test username=jdoe")
    await alice.click("Account created")
    assert "Licence SKU assigned" in alice.text()
    await alice.click("Licence SKU")
    await alice.submit(value="  ")
    assert "Please enter a value" in alice.text()
    await alice.submit(value="SPE_E3")
    entry = [t for t in db.state.timeline if t.kind is TimelineKind.STEP_ANSWERED][-1]
    assert entry.answer == "SPE_E3"
    assert only_session(db).current_node == "end"


async def test_subflow_is_entered_and_left(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.click("Yes")
    await alice.click("Done")
    await alice.click("No")
    session = only_session(db)
    assert (session.flow_key, session.current_node) == ("mfa-test", "reset")
    await alice.click("Done")
    assert "Continue in VPN test" in alice.text()
    await alice.click("Continue in")
    session = only_session(db)
    assert (session.flow_key, session.current_node, session.flow_stack) == ("vpn-test", "escalate", [])
    await alice.click("Back")
    assert only_session(db).flow_key == "mfa-test"


async def test_maintenance_runs_every_target(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start patch-test")
    assert "Target 1/3: *FS01* — file server" in alice.text()
    await alice.click("Done")
    await alice.click("Done")
    assert "Target *FS01* complete (1/3 targets complete)" in alice.text()
    await alice.click("Skip target")
    assert "APP01" in alice.text()
    await alice.click("Done")
    await alice.click("Done")
    session = only_session(db)
    assert session.targets_done == ["FS01", "APP01"] and session.current_node == "end"
    assert "Finish" in alice.text()


async def test_button_for_another_stage_is_refused(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    choose = alice.button("Yes")
    await alice.click("Pause")
    assert only_session(db).status is SessionStatus.PAUSED
    await alice.click("Yes", choose)
    assert "Nothing changed" in alice.text()

"""The home surface lists the user's sessions; Resume there continues the session in its own thread."""

from __future__ import annotations

from bot.engine.model import SessionStatus
from bot.engine.replies import HomeView, Post
from tests.fakes.chat import Chat
from tests.fakes.memory_store import MemoryDatabase


async def test_home_lists_open_and_finished_sessions(alice: Chat, db: MemoryDatabase) -> None:
    await alice.home()
    assert "No open sessions" in alice.text() and "Nothing finished yet" in alice.text()
    await alice.say("/start vpn-test #99")
    await alice.say("/pause")
    alice.thread = "T2"
    await alice.say("/start onboard-test username=ana")
    await alice.say("/abandon")
    await alice.click("Yes, abandon")
    replies = await alice.home()
    assert isinstance(replies[0], HomeView)
    text = alice.text()
    assert "*VPN test* · ticket #99 — 0 steps, paused" in text and "Onboarding test" in text.split("Recently")[1]


async def test_resume_from_home_continues_in_the_sessions_thread(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/pause")
    await alice.home()
    replies = await alice.click("Resume")
    (session,) = db.state.sessions.values()
    assert session.status is SessionStatus.ACTIVE and session.conversation_key == "test:C1:T1"
    posts = [r for r in replies if isinstance(r, Post)]
    assert posts and all(p.conversation.channel == "C1" and p.conversation.thread == "T1" for p in posts)

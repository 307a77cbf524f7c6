"""`start`: sessions begin with a card and the first step; bad input changes nothing."""

from __future__ import annotations

from bot.engine.commands.start import parse_start
from bot.engine.replies import Ephemeral, OpenForm, Post
from tests.fakes.chat import Chat
from tests.fakes.memory_store import MemoryDatabase


def test_parse_start_splits_flow_ticket_variables_and_problem() -> None:
    parsed = parse_start("vpn #12345 site=HQ user cannot connect")
    assert (parsed.flow, parsed.ticket, parsed.variables, parsed.problem) == (
        "vpn",
        "12345",
        {"site": "HQ"},
        "user cannot connect",
    )


async def test_start_posts_card_and_first_step(alice: Chat, db: MemoryDatabase) -> None:
    replies = await alice.say("/start vpn-test #12345 VPN drops every hour")
    posts = [r for r in replies if isinstance(r, Post)]
    assert posts[0].ref.endswith(":card") and "#12345" in alice.text()
    assert "Does the internet work without the VPN?" in alice.text()
    assert [b.label for b in alice.buttons][:2] == ["Yes", "No"]
    (session,) = db.state.sessions.values()
    assert session.ticket is not None and session.ticket.number == "12345"
    assert session.problem_summary == "VPN drops every hour"
    assert session.flow_version == 1


async def test_unique_prefix_starts_the_flow(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start onboard")
    assert len(db.state.sessions) == 1


async def test_unknown_flow_suggests_close_matches_and_changes_nothing(alice: Chat, db: MemoryDatabase) -> None:
    commits = db.commits
    replies = await alice.say("/start vpn-tset")
    assert isinstance(replies[0], Ephemeral)
    assert "can't find a flow called `vpn-tset`" in alice.text()
    assert "vpn-test" in alice.text()
    assert not db.state.sessions and db.commits == commits


async def test_start_without_flow_explains_usage(alice: Chat) -> None:
    await alice.say("/start")
    assert "Which flow?" in alice.text()


async def test_second_start_in_same_thread_asks_first(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/start patch-test")
    assert "already has an open session" in alice.text()
    assert len(db.state.sessions) == 1
    await alice.click("Park it")
    statuses = sorted(s.status.value for s in db.state.sessions.values())
    assert statuses == ["active", "paused"]


async def test_keep_working_leaves_everything_as_is(alice: Chat, db: MemoryDatabase) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/start patch-test")
    await alice.click("Keep working")
    assert len(db.state.sessions) == 1


async def test_procedural_flow_opens_intake_form_first(alice: Chat, db: MemoryDatabase) -> None:
    replies = await alice.say("/start onboard-test")
    assert any(isinstance(r, OpenForm) for r in replies)
    await alice.submit(username="")
    assert "required: username" in alice.text()
    (session,) = db.state.sessions.values()
    assert session.variables == {}
    await alice.submit(username="jdoe")
    assert "Create jdoe" in alice.text()


async def test_variables_on_the_command_line_skip_the_form(alice: Chat) -> None:
    replies = await alice.say("/start onboard-test username=asmith")
    assert not any(isinstance(r, OpenForm) for r in replies)
    assert "New-ADUser asmith" in alice.text()

"""The same engine scenarios against the real SQL store, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses

from bot.engine.engine import Engine
from bot.engine.model import SessionStatus, TimelineKind
from bot.engine.replies import Ephemeral
from bot.flows.loader import dump_flow
from bot.flows.model import FlowStatus
from bot.store.database import Database
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, SequentialIds
from tests.unit.engine.conftest import MFA, ONBOARD, PATCH, VPN


async def setup(database: Database) -> tuple[Chat, Chat, FakeClock]:
    clock = FakeClock()
    engine = Engine(database.uow, clock, SequentialIds())
    team = await engine.ensure_team("acme")
    async with database.uow() as uow:
        for flow in (VPN, MFA, ONBOARD, PATCH):
            await uow.flows.save(None, flow, dump_flow(flow), FlowStatus.PUBLISHED)
        await uow.commit()
    return Chat(engine, team, clock, "alice"), Chat(engine, team, clock, "bob"), clock


async def test_guided_session_end_to_end(database: Database) -> None:
    alice, bob, clock = await setup(database)
    await alice.say("/start vpn-test #5150 drops hourly")
    stale = alice.button("No")
    clock.advance(minutes=4)
    await alice.click("Yes")
    await alice.say("client is version 4.10")
    bob.buttons = [stale]
    await bob.click("No", stale)
    assert "already answered by Alice" in bob.text()
    await alice.click("Done")
    await alice.click("No")  # into the MFA sub-flow
    await alice.click("Done")
    await alice.click("Continue in")
    clock.advance(minutes=20)
    await alice.click("This fixed it")
    await alice.submit(summary="Escalated to the network team after MFA re-registration.")
    (note,) = alice.attachments()
    assert "#5150" in note.content and "0.50 hrs" in note.content and "client is version 4.10" in note.content
    async with database.uow() as uow:
        session = await uow.sessions.open_in_conversation(alice.team_id, alice.conversation.key)
        assert session is None
        users = await uow.users.list(alice.team_id)
        alice_user = next(u for u in users if u.display_name == "Alice")
        (resolved,) = await uow.sessions.for_engineer(alice.team_id, alice_user.id, [SessionStatus.RESOLVED])
        kinds = [e.kind for e in await uow.sessions.timeline(alice.team_id, resolved.id)]
        assert kinds.count(TimelineKind.STEP_ANSWERED) == 4 and TimelineKind.SUBFLOW_ENTERED in kinds
        assert len(await uow.notes.for_session(alice.team_id, resolved.id)) == 1
        assert [o.kind for o in await uow.outbox.pending()] == []  # no PSA connected
    await alice.say("/export html")
    assert alice.attachments()[0].content.startswith('<article class="rf-note">')


async def test_bad_input_changes_nothing(database: Database) -> None:
    alice, _, _ = await setup(database)
    await alice.say("/start onboard-test")
    await alice.submit(username="")
    assert "required: username" in alice.text()
    async with database.uow() as uow:
        session = await uow.sessions.open_in_conversation(alice.team_id, alice.conversation.key)
        assert session is not None and session.variables == {} and session.state_version == 0


async def test_running_session_keeps_the_flow_version_it_started_on(database: Database) -> None:
    alice, _, _ = await setup(database)
    await alice.say("/start vpn-test")
    changed = dataclasses.replace(
        VPN,
        name="VPN test v2",
        nodes=tuple(dataclasses.replace(n, question="Renamed question?") if n.id == "works" else n for n in VPN.nodes),
    )
    async with database.uow() as uow:
        assert await uow.flows.save(None, changed, dump_flow(changed), FlowStatus.PUBLISHED) == 2
        await uow.commit()
    await alice.click("Yes")
    await alice.click("Done")
    assert "Does it connect now?" in alice.text() and "Renamed" not in alice.text()
    alice.thread = "T-new"
    await alice.say("/start vpn-test")
    await alice.click("Yes")
    await alice.click("Done")
    assert "Renamed question?" in alice.text()


async def test_first_events_of_a_new_user_racing_in_two_channels_both_take_effect(database: Database) -> None:
    """Two lanes run a brand-new user's first events at once: one inserts the user, the other loses the unique
    race on the chat identity and is retried, so both commands take effect and the user exists once."""
    alice, _, clock = await setup(database)
    engine = alice.engine
    chats = [Chat(engine, alice.team_id, clock, "carol", channel=f"C{n}", thread="") for n in range(6)]
    await asyncio.gather(*(chat.say("/start vpn-test #77 drops") for chat in chats))
    for chat in chats:
        assert not any(isinstance(r, Ephemeral) for r in chat.last), chat.text()
    async with database.uow() as uow:
        carols = [u for u in await uow.users.list(alice.team_id) if u.display_name == "Carol"]
        assert len(carols) == 1
        assert (
            sum([await uow.sessions.open_in_conversation(alice.team_id, c.conversation.key) is not None for c in chats])
            == 6
        )


async def test_concurrent_first_use_of_a_team_name_yields_one_team(database: Database) -> None:
    engine = Engine(database.uow, FakeClock(), SequentialIds())
    ids = await asyncio.gather(*(engine.ensure_team("slack:T9") for _ in range(5)))
    assert len(set(ids)) == 1

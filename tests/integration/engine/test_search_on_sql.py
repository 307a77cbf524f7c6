"""`search` through the knowledge index on SQLite and PostgreSQL (hybrid, with the fake Voyage API over HTTP):
flows and past sessions together, each team sees only its own sessions (guessed ids included), and the filters."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from bot.engine.model import SessionStatus
from bot.engine.replies import Ephemeral
from bot.store.database import Database
from tests.fakes.memory_store import FakeClock
from tests.fakes.voyage_api import FakeVoyage
from tests.integration.knowledge_world import KEY, World, knowledge_over, resolve_vpn, world
from tests.unit.engine.conftest import MFA, ONBOARD, VPN

TAGGED_VPN = dataclasses.replace(VPN, tags=("network", "Remote-Access"))
TAGGED_MFA = dataclasses.replace(MFA, tags=("identity",))


@pytest.fixture
async def voyage() -> AsyncIterator[FakeVoyage]:
    """The fake Voyage API."""
    async with FakeVoyage(api_key=KEY) as server:
        yield server


@pytest.fixture
async def w(database: Database, voyage: FakeVoyage) -> World:
    """Alice (acme) and Bob (globex) have each resolved a VPN session; the public flows are indexed."""
    clock = FakeClock()
    knowledge = knowledge_over(database, voyage, clock)
    w = await world(database, knowledge, clock, TAGGED_VPN, TAGGED_MFA, ONBOARD)
    await resolve_vpn(w.alice, "4242", "Renewed the expired VPN certificate on the laptop.")
    await resolve_vpn(w.bob, "5151", "Payroll VPN split tunnel misconfigured; fixed the split tunnel routes.")
    await knowledge.queue_flows([None], clock.now())
    while await knowledge.worker.drain_once():
        pass
    return w


async def resolved_id(database: Database, team_id: str) -> str:
    """The id of the team's one resolved session."""
    async with database.uow() as uow:
        (session,) = [
            s
            for u in await uow.users.list(team_id)
            for s in await uow.sessions.for_engineer(team_id, u.id, [SessionStatus.RESOLVED])
        ]
    return session.id


async def test_flows_and_past_sessions_come_back_together(w: World) -> None:
    replies = await w.alice.say("/search expired vpn certificate")
    (reply,) = replies
    assert isinstance(reply, Ephemeral)
    shown = w.alice.text()
    assert "Renewed the expired VPN certificate" in shown and "ticket #4242" in shown
    assert "VPN test" in shown and "`start vpn-test`" in shown
    await w.alice.click("Start vpn-test")
    assert "Does the internet work" in w.alice.text()


async def test_a_team_never_sees_another_teams_sessions(w: World, database: Database) -> None:
    bob_session = await resolved_id(database, w.bob.team_id)
    await w.bob.say("/search payroll split tunnel kind:session")
    assert "ticket #5151" in w.bob.text()
    for query in (
        "/search payroll split tunnel",
        "/search payroll split tunnel kind:session",
        "/search kind:session split tunnel routes misconfigured",
        f"/search {bob_session}",  # a guessed id, as words and in filters
        f"/search kind:session {bob_session}",
        f"/search tag:{bob_session} vpn",
    ):
        await w.alice.say(query)
        shown = w.alice.text()
        assert "· past session" not in shown and "#5151" not in shown and "Payroll" not in shown, query
    alice_session = await resolved_id(database, w.alice.team_id)
    await w.bob.say(f"/search kind:session {alice_session} renewed expired certificate laptop")
    assert "#4242" not in w.bob.text() and "Renewed" not in w.bob.text()


async def test_filters(w: World) -> None:
    await w.alice.say("/search vpn kind:flow")
    assert "VPN test" in w.alice.text() and "past session" not in w.alice.text()
    await w.alice.say("/search vpn certificate kind:sessions")
    assert "ticket #4242" in w.alice.text() and "flow `" not in w.alice.text()
    await w.alice.say("/search tag:remote-access vpn")
    assert "VPN test" in w.alice.text() and "MFA test" not in w.alice.text() and "past session" not in w.alice.text()
    await w.alice.say("/search tag:identity")
    assert "MFA test" in w.alice.text() and "VPN test" not in w.alice.text()
    await w.alice.say("/search tag:identity vpn")
    assert "No flow matches" in w.alice.text()
    await w.alice.say("/search kind:ticket vpn")
    assert "`kind:ticket` isn't a kind I know" in w.alice.text()
    await w.alice.say("/search tag: vpn")
    assert "`tag:` needs a tag" in w.alice.text()
    await w.alice.say("/search tag:network kind:session vpn")
    assert "can't be combined with `kind:session`" in w.alice.text()
    await w.alice.say("/search zebra giraffe")
    assert "No flow or past session matches “zebra giraffe”" in w.alice.text()


async def test_lexical_only_without_voyage(database: Database) -> None:
    clock = FakeClock()
    knowledge = knowledge_over(database, None, clock)
    w = await world(database, knowledge, clock)
    await resolve_vpn(w.alice, "600", "Renewed the expired VPN certificate.")
    await knowledge.worker.drain_once()
    assert knowledge.mode == "lexical"
    await w.alice.say("/search expired certificate")
    assert "ticket #600" in w.alice.text() and "VPN test" in w.alice.text()

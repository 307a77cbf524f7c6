"""The index worker on SQLite and PostgreSQL with the fake Voyage API over real HTTP: resolving a session queues it
in the click's transaction, the worker indexes it (redacted) and it is found by `search` and by FlowPilot's
similar-sessions lookup; a worker that dies loses nothing; Voyage being down delays only the vector; unchanged text
is never embedded again; the lexical statistics are refreshed in the background."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.engine.knowledge import SESSION_JOB
from bot.engine.model import Session, SessionStatus
from bot.engine.pilot.work import PilotRunner
from bot.jobs.indexing import StatisticsPolicy
from bot.store.database import Database
from tests.fakes.memory_store import FakeClock, SequentialIds
from tests.fakes.voyage_api import EMBEDDINGS, FakeVoyage
from tests.integration.knowledge_world import KEY, knowledge_over, resolve_vpn, world

SECRET_IP, SECRET_MAIL = "10.20.30.40", "jdoe@contoso.example"


@pytest.fixture
async def voyage() -> AsyncIterator[FakeVoyage]:
    """The fake Voyage API."""
    async with FakeVoyage(api_key=KEY) as server:
        yield server


async def resolved(database: Database, team_id: str) -> Session:
    """The team's one resolved session."""
    async with database.uow() as uow:
        users = await uow.users.list(team_id)
        (found,) = [s for u in users for s in await uow.sessions.for_engineer(team_id, u.id, [SessionStatus.RESOLVED])]
    return found


async def test_a_resolved_session_is_queued_with_the_click_then_indexed_and_found(
    database: Database, voyage: FakeVoyage
) -> None:
    clock = FakeClock()
    knowledge = knowledge_over(database, voyage, clock)
    w = await world(database, knowledge, clock)
    summary = f"Restarted the VPN client service on {SECRET_IP} for {SECRET_MAIL}; the tunnel holds now."
    await resolve_vpn(w.alice, "4242", summary)

    (job,) = await knowledge.jobs.pending()  # committed with the resolution; nothing embedded on the click's path
    assert (job.kind, job.team_id) == (SESSION_JOB, w.alice.team_id) and voyage.calls_to(EMBEDDINGS) == []
    assert await knowledge.worker.drain_once() == 1
    assert await knowledge.jobs.pending() == []
    sent = [t for r in voyage.embedding_requests for t in r["input"]]
    assert len(sent) == 1 and "VPN client service" in sent[0]
    assert SECRET_IP not in sent[0] and SECRET_MAIL not in sent[0]
    assert voyage.input_types == ["document"]

    await w.alice.say("/search vpn tunnel keeps dropping kind:session")
    shown = w.alice.text()
    assert "ticket #4242" in shown and f"resolved {clock.now():%Y-%m-%d}" in shown and "past session" in shown
    assert SECRET_IP not in shown and SECRET_MAIL not in shown and "tunnel holds" in shown

    session = await resolved(database, w.alice.team_id)  # FlowPilot, for a new session about the same problem
    runner = PilotRunner(database.uow, clock, SequentialIds(), w.pilot)
    newcomer = dataclasses.replace(session, id="new-session", problem_summary="VPN tunnel drops, client restart?")
    similar = await runner._similar(newcomer)
    assert [h.ref for h in similar if h.kind == "session"] == [session.id]

    requests = len(voyage.calls_to(EMBEDDINGS))
    await knowledge.jobs.add_now(w.alice.team_id, SESSION_JOB, session.id, clock.now())  # indexed again, unchanged
    assert await knowledge.worker.drain_once() == 1
    assert len(voyage.calls_to(EMBEDDINGS)) == requests and await knowledge.jobs.pending() == []
    assert (await knowledge.store.fingerprints(w.alice.team_id, ("session",))).keys() == {("session", session.id)}


async def test_a_worker_that_dies_loses_nothing(database: Database, voyage: FakeVoyage) -> None:
    clock = FakeClock()
    w = await world(database, knowledge_over(database, voyage, clock), clock)
    await resolve_vpn(w.alice, "77", "Restarted the VPN client service.")
    # the process dies right after the click: a new process, a new worker, finds the job
    restarted = knowledge_over(database, voyage, clock)
    (job,) = await restarted.jobs.pending()
    assert await restarted.worker.drain_once() == 1
    assert [h.ref for h in await restarted.search(w.alice.team_id, "vpn client restarted", ("session",))] == [job.ref]

    await resolve_vpn(w.alice, "78", "Reinstalled the VPN client.", thread="T2")
    claimed = await restarted.jobs.claim(clock.now(), clock.now() + timedelta(minutes=5))  # then died mid-job
    assert len(claimed) == 1
    again = knowledge_over(database, voyage, clock)
    assert await again.worker.drain_once() == 0  # the dead worker's lease still holds
    clock.advance(minutes=6)
    assert await again.worker.drain_once() == 1 and await again.jobs.pending() == []
    assert await again.search(w.alice.team_id, "reinstalled vpn client", ("session",))


async def test_voyage_down_delays_only_the_vector(database: Database, voyage: FakeVoyage) -> None:
    clock = FakeClock()
    knowledge = knowledge_over(database, voyage, clock)
    w = await world(database, knowledge, clock)
    await resolve_vpn(w.alice, "90", "Renewed the expired VPN certificate.")
    voyage.unavailable(times=1)
    assert await knowledge.worker.drain_once() == 1
    (job,) = await knowledge.jobs.pending()  # kept for a retry ...
    hits = await knowledge.search(w.alice.team_id, "expired vpn certificate", ("session",))
    assert [h.ref for h in hits] == [job.ref]  # ... while the text is already searchable by keyword
    assert await knowledge.worker.drain_once() == 0  # not due yet (backoff)
    clock.advance(minutes=2)
    assert await knowledge.worker.drain_once() == 1 and await knowledge.jobs.pending() == []
    assert voyage.input_types.count("document") == 1  # the vector was added on the retry


async def test_flow_jobs_index_a_scope_and_prune_unpublished_flows(database: Database, voyage: FakeVoyage) -> None:
    clock = FakeClock()
    knowledge = knowledge_over(database, voyage, clock)
    w = await world(database, knowledge, clock)
    await knowledge.queue_flows([None], clock.now())
    assert await knowledge.worker.drain_once() == 1
    assert [h.ref for h in await knowledge.search(w.alice.team_id, "vpn tunnel", ("flow",))][:1] == ["vpn-test"]
    async with database.uow() as uow:
        await uow.connection.execute(text("DELETE FROM flow_versions"))
        await uow.connection.execute(text("DELETE FROM flows"))
        await uow.commit()
    await knowledge.queue_flows([None], clock.now())
    await knowledge.worker.drain_once()
    assert await knowledge.search(w.alice.team_id, "vpn tunnel", ("flow",)) == []
    assert await knowledge.jobs.pending() == []


async def test_statistics_are_refreshed_after_enough_documents(database: Database) -> None:
    clock = FakeClock()
    knowledge = knowledge_over(database, None, clock, StatisticsPolicy(every_documents=3, every_seconds=3600))
    w = await world(database, knowledge, clock)

    async def counted() -> int | None:
        if database.dialect != "postgresql":
            return None
        async with database.engine.connect() as conn:
            return int((await conn.execute(text("SELECT ndoc FROM search_term_stats WHERE word = ''"))).scalar_one())

    before = await counted()  # (the view keeps what an earlier test left until it is refreshed)
    await resolve_vpn(w.alice, "1", "Restarted the VPN client service.")
    await knowledge.worker.drain_once()
    assert not await knowledge.worker.refresh_statistics_if_due()  # one document: not yet
    assert await counted() == before
    await resolve_vpn(w.bob, "2", "Reinstalled the VPN client.")
    await resolve_vpn(w.alice, "3", "Renewed the VPN certificate.", thread="T3")
    await knowledge.worker.drain_once()
    assert await knowledge.worker.refresh_statistics_if_due()
    assert await counted() in (None, 3)
    assert not await knowledge.worker.refresh_statistics_if_due()  # nothing changed since

"""An engine over a real database with the knowledge index (real retriever, store, job queue and worker) and the
fake Voyage API over real HTTP: two teams, the engine test flows as public flows, and a way to resolve a session."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.pilot import Knowledge
from bot.engine.engine import Engine
from bot.engine.pilot.services import PilotServices
from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowStatus
from bot.jobs.indexing import IndexWorker, StatisticsPolicy
from bot.jobs.outbox import RetryPolicy
from bot.pilot.offline import OfflineCopilot
from bot.pilot.retrieval import HybridRetriever
from bot.pilot.voyage import VoyageEmbedder
from bot.store.database import Database
from bot.store.index_jobs import SqlIndexJobs
from bot.store.search_index import SqlSearchIndex
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, SequentialIds
from tests.fakes.voyage_api import FakeVoyage
from tests.unit.engine.conftest import MFA, ONBOARD, VPN

KEY = "pa-test-voyage-key-0123456789"
MODEL = "voyage-4-lite"
RETRIES = RetryPolicy(max_attempts=3, base_seconds=60.0, cap_seconds=60.0, lease_seconds=300.0, jitter=0.0)


def embedder(voyage: FakeVoyage) -> VoyageEmbedder:
    """A real embedder pointed at the fake (one attempt per call, so faults show at once)."""
    return VoyageEmbedder(KEY, voyage.url, MODEL, 256, max_retries=1, timeout=5)


def knowledge_over(
    database: Database,
    voyage: FakeVoyage | None,
    clock: FakeClock,
    statistics: StatisticsPolicy | None = None,
) -> Knowledge:
    """A knowledge index over ``database`` (lexical only without ``voyage``); its worker runs on ``clock``."""
    store = SqlSearchIndex(database.engine)
    retriever = HybridRetriever(store, embedder(voyage) if voyage is not None else None)
    jobs = SqlIndexJobs(database.engine)
    worker = IndexWorker(jobs, store, retriever, clock.now, policy=RETRIES, statistics=statistics)
    return Knowledge(retriever, store, jobs, worker)


@dataclass
class World:
    """The engine, its clock, Alice of team "acme" and Bob of team "globex"."""

    engine: Engine
    clock: FakeClock
    alice: Chat
    bob: Chat
    pilot: PilotServices


async def world(database: Database, knowledge: Knowledge, clock: FakeClock, *flows: Flow) -> World:
    """Two teams on one engine whose FlowPilot retrieves from ``knowledge``; the test flows are public."""

    async def load_flow(team_id: str, key: str) -> Flow | None:
        async with database.uow() as uow:
            return await uow.flows.get(team_id, key)

    offline = OfflineCopilot(load_flow)
    pilot = PilotServices(copilot=offline, offline=offline, retriever=knowledge)
    engine = Engine(database.uow, clock, SequentialIds(), pilot=pilot)
    acme, globex = await engine.ensure_team("acme"), await engine.ensure_team("globex")
    async with database.uow() as uow:
        for flow in flows or (VPN, MFA, ONBOARD):
            await uow.flows.save(None, flow, dump_flow(flow), FlowStatus.PUBLISHED)
        await uow.commit()
    bob = Chat(engine, globex, clock, "bob", channel="C9")
    return World(engine, clock, Chat(engine, acme, clock, "alice"), bob, pilot)


async def resolve_vpn(chat: Chat, ticket: str, summary: str, *, thread: str = "") -> None:
    """Run the VPN test flow to "Client restart" on a ticket and resolve it with ``summary``."""
    if thread:
        chat.thread = thread
    await chat.say(f"/start vpn-test #{ticket} VPN drops every hour")
    await chat.click("Yes")
    await chat.click("Done")
    await chat.click("Yes")
    await chat.click("This fixed it")
    await chat.submit(summary=summary)
    assert "Resolved by" in chat.text(), chat.text()

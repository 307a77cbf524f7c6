"""The composition of FlowPilot's knowledge index (``bot.app.pilot``) on SQLite and PostgreSQL with the fake Voyage
API over real HTTP: one embedder on one keep-alive HTTP session for the app's lifetime, closed at shutdown; the
index worker woken with FlowPilot's ``wake``."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from aiohttp import web

from bot.app.pilot import Knowledge, build_pilot, index_worker
from bot.config import Settings
from bot.engine.knowledge import FLOWS_JOB, knowledge_of
from bot.metrics import Metrics
from bot.store.database import Database
from tests.fakes.http_fake import Handler
from tests.fakes.voyage_api import FakeVoyage

KEY = "pa-app-test-key-0123456789"


class PeerVoyage(FakeVoyage):
    """The fake Voyage API, also recording the client port of every request (one port = one connection)."""

    def __init__(self) -> None:
        super().__init__(api_key=KEY)
        self.ports: list[int] = []
        self.app.middlewares.append(self._peer)

    @web.middleware
    async def _peer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport is not None else None
        self.ports.append(int(peer[1]) if peer else -1)
        return await handler(request)


def settings(database: Database, voyage: FakeVoyage | None) -> Settings:
    values: dict[str, object] = {"database_url": database.url, "index_stats_documents": 7, "index_stats_minutes": 2}
    if voyage is not None:
        values |= {"voyage_api_key": KEY, "voyage_base_url": voyage.url}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_one_keepalive_session_serves_every_embedding_and_is_closed_at_shutdown(database: Database) -> None:
    async with PeerVoyage() as voyage:
        pilot = build_pilot(settings(database, voyage), database, Metrics())
        knowledge = knowledge_of(pilot)
        assert isinstance(knowledge, Knowledge) and knowledge.mode == "hybrid" and knowledge.http is not None
        assert not knowledge.http.opened  # opened on first use, inside the running loop
        for query in ("printer offline", "vpn drops", "outlook not syncing"):
            await knowledge.search("", query)
        assert len(voyage.ports) == 3 and len(set(voyage.ports)) == 1  # one connection, kept alive
        assert knowledge.worker.statistics.every_documents == 7 and knowledge.worker.statistics.every_seconds == 120
        assert pilot.close is not None
        await pilot.close()
        assert not knowledge.http.opened


async def test_without_a_voyage_key_the_index_is_lexical_and_opens_no_session(database: Database) -> None:
    pilot = build_pilot(settings(database, None), database, Metrics())
    knowledge = knowledge_of(pilot)
    assert isinstance(knowledge, Knowledge) and knowledge.mode == "lexical" and knowledge.http is None
    assert await knowledge.search("", "printer offline") == []
    assert pilot.close is not None
    await pilot.close()


async def test_the_index_worker_is_woken_with_flowpilot(database: Database) -> None:
    pilot = build_pilot(settings(database, None), database, Metrics())
    woken: list[str] = []
    pilot.wake = lambda: woken.append("inbox")
    worker = index_worker(pilot)
    knowledge = knowledge_of(pilot)
    assert isinstance(knowledge, Knowledge) and worker is knowledge.worker and pilot.wake is not None
    worker.start()
    try:
        await asyncio.sleep(0.5)  # its first pass found nothing; it now waits for a wake or its 5 s poll
        await knowledge.jobs.add_now(None, FLOWS_JOB, "", datetime.now(UTC))
        started = time.monotonic()
        pilot.wake()  # what the engine calls after committing a handler that queued work
        while await knowledge.jobs.pending():  # noqa: ASYNC110 - polling the queue the worker empties
            await asyncio.sleep(0.02)
        assert woken == ["inbox"] and time.monotonic() - started < 2.0
    finally:
        assert pilot.close is not None
        await pilot.close()  # stops the worker too

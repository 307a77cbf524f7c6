"""Builds FlowPilot for the composition root: Claude when ``ANTHROPIC_API_KEY`` is set, else the offline copilot;
and the knowledge index it (and `search`) retrieves from: hybrid retrieval over the search index (lexical only
without ``VOYAGE_API_KEY``), the ``index_jobs`` queue and the background worker that keeps the index current."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp

from bot.config import Settings
from bot.engine.copilot import Hit
from bot.engine.knowledge import FLOWS_JOB, knowledge_of
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import UnitOfWork
from bot.flows.model import Flow
from bot.jobs.indexing import IndexWorker, StatisticsPolicy
from bot.metrics import Metrics
from bot.pilot.offline import OfflineCopilot
from bot.pilot.retrieval import HybridRetriever
from bot.store.database import Database
from bot.store.index_jobs import SqlIndexJobs
from bot.store.search_index import SqlSearchIndex

if TYPE_CHECKING:
    from bot.pilot.voyage import VoyageEmbedder

# The vendor SDKs (anthropic, voyageai) are imported only when their keys are set: together they are most of the
# CLI's start-up time, and most commands never talk to a model.
KEEPALIVE_SECONDS = 60.0


class HttpSession:
    """One keep-alive ``aiohttp`` session for FlowPilot's calls through SDKs that can use one (Voyage): opened on
    first use, inside the running event loop, and closed by ``close``. Calling it returns the session."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def __call__(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=32, keepalive_timeout=KEEPALIVE_SECONDS)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    @property
    def opened(self) -> bool:
        """A session is open."""
        return self._session is not None and not self._session.closed

    async def close(self) -> None:
        """Close the session (a later call opens a new one)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def voyage_key(settings: Settings) -> str:
    """``VOYAGE_API_KEY``, or "" when unset."""
    return settings.voyage_api_key.get_secret_value() if settings.voyage_api_key else ""


def embedder_for(settings: Settings, session: HttpSession | None = None) -> VoyageEmbedder | None:
    """The Voyage embedder when ``VOYAGE_API_KEY`` is set, else None (lexical retrieval only)."""
    key = voyage_key(settings)
    if not key:
        return None
    from bot.pilot.voyage import VoyageEmbedder

    return VoyageEmbedder(key, settings.voyage_base_url, settings.embed_model, settings.embed_dims, session=session)


class Knowledge:
    """The engine's ``KnowledgeIndex``: searches with the hybrid retriever, queues index jobs in the caller's unit
    of work, and owns the worker that runs them (``worker``; the composition root starts and stops it)."""

    def __init__(
        self,
        retriever: HybridRetriever,
        store: SqlSearchIndex,
        jobs: SqlIndexJobs,
        worker: IndexWorker,
        http: HttpSession | None = None,
        embedder: VoyageEmbedder | None = None,
    ) -> None:
        self.retriever, self.store, self.jobs, self.worker = retriever, store, jobs, worker
        self.http = http
        self.embedder = embedder  # also groups similar sessions for the knowledge flywheel (``embed_texts``)

    @property
    def mode(self) -> str:
        """``"hybrid"`` with embeddings, else ``"lexical"``."""
        return self.retriever.mode

    async def search(
        self, team_id: str, query: str, kinds: tuple[str, ...] = ("flow", "session"), limit: int = 5
    ) -> list[Hit]:
        """The best flows and past sessions for ``query`` visible to the team, best first."""
        return await self.retriever.search(team_id, query, kinds, limit)

    async def match_flows(self, team_id: str, text: str, limit: int = 3) -> list[Hit]:
        """Flows matching a problem description above the match threshold, best first."""
        return await self.retriever.match_flows(team_id, text, limit)

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]] | None:
        """One embedding per text (the knowledge flywheel's grouping), or None without ``VOYAGE_API_KEY``."""
        if self.embedder is None or not texts:
            return None
        return [[float(x) for x in row] for row in await self.embedder.embed_documents(list(texts))]

    async def enqueue(self, uow: UnitOfWork, team_id: str | None, kind: str, ref: str, at: datetime) -> None:
        """Queue (re)indexing of one document in ``uow``'s transaction (wake the worker after the commit)."""
        await self.jobs.add(uow, team_id, kind, ref, at)

    async def queue_flows(self, scopes: Sequence[str | None], at: datetime) -> None:
        """Queue (re)indexing of the published flows of these scopes (None: the public flows), each in a
        transaction of its own, and wake the worker."""
        for team_id in dict.fromkeys(scopes):
            await self.jobs.add_now(team_id, FLOWS_JOB, "", at)
        self.worker.wake()

    async def close(self) -> None:
        """Stop the worker, wait for background cache loads, close the HTTP session."""
        await self.worker.stop()
        await self.retriever.close()
        if self.http is not None:
            await self.http.close()


def build_knowledge(settings: Settings, database: Database) -> Knowledge:
    """The knowledge index over the database (one embedder and HTTP session for the app's lifetime)."""
    http = HttpSession() if voyage_key(settings) else None
    store = SqlSearchIndex(database.engine)
    embedder = embedder_for(settings, http)
    retriever = HybridRetriever(store, embedder)
    jobs = SqlIndexJobs(database.engine)
    statistics = StatisticsPolicy(settings.index_stats_documents, settings.index_stats_minutes * 60)
    worker = IndexWorker(jobs, store, retriever, statistics=statistics)
    return Knowledge(retriever, store, jobs, worker, http, embedder)


def index_worker(pilot: PilotServices) -> IndexWorker | None:
    """The knowledge index's worker, if FlowPilot has one; its ``wake`` is chained onto ``pilot.wake`` (which the
    engine calls after committing a handler that queued work), so call this after ``pilot.wake`` is set."""
    knowledge = knowledge_of(pilot)
    if not isinstance(knowledge, Knowledge):
        return None
    worker, wake_inbox = knowledge.worker, pilot.wake

    def wake() -> None:
        if wake_inbox is not None:
            wake_inbox()
        worker.wake()

    pilot.wake = wake
    return worker


def build_pilot(settings: Settings, database: Database, metrics: Metrics) -> PilotServices:
    """FlowPilot's services (the worker's ``wake`` is attached once the worker exists)."""

    async def load_flow(team_id: str, key: str) -> Flow | None:
        async with database.uow() as uow:
            return await uow.flows.get(team_id, key)

    offline = OfflineCopilot(load_flow)
    claude = None
    if settings.claude_enabled and settings.anthropic_api_key is not None:
        from bot.pilot.build import build_copilot

        claude = build_copilot(settings, metrics.model_call)
    knowledge = build_knowledge(settings, database)

    async def close() -> None:
        await knowledge.close()
        if claude is not None:
            await claude.aclose()

    return PilotServices(copilot=claude or offline, offline=offline, retriever=knowledge, close=close)

"""Builds FlowPilot for the composition root: Claude when ``ANTHROPIC_API_KEY`` is set, else the offline copilot;
hybrid retrieval over the search index (lexical only without ``VOYAGE_API_KEY``)."""

from __future__ import annotations

from bot.config import Settings
from bot.engine.pilot.services import PilotServices
from bot.flows.model import Flow
from bot.metrics import Metrics
from bot.pilot.build import build_copilot, close_copilot
from bot.pilot.offline import OfflineCopilot
from bot.pilot.retrieval import HybridRetriever
from bot.pilot.voyage import VoyageEmbedder
from bot.store.database import Database
from bot.store.search_index import SqlSearchIndex


def embedder_for(settings: Settings) -> VoyageEmbedder | None:
    """The Voyage embedder when ``VOYAGE_API_KEY`` is set, else None (lexical retrieval only)."""
    key = settings.voyage_api_key.get_secret_value() if settings.voyage_api_key else ""
    if not key:
        return None
    return VoyageEmbedder(key, settings.voyage_base_url, settings.embed_model, settings.embed_dims)


def retriever_for(settings: Settings, database: Database) -> tuple[HybridRetriever, SqlSearchIndex]:
    """The retriever over the database's search index, and the index store (also the corpus to reindex from)."""
    store = SqlSearchIndex(database.engine)
    return HybridRetriever(store, embedder_for(settings)), store


def build_pilot(settings: Settings, database: Database, metrics: Metrics) -> PilotServices:
    """FlowPilot's services (the worker's ``wake`` is attached once the worker exists)."""

    async def load_flow(team_id: str, key: str) -> Flow | None:
        async with database.uow() as uow:
            return await uow.flows.get(team_id, key)

    offline = OfflineCopilot(load_flow)
    claude = build_copilot(settings, metrics.model_call) if settings.claude_enabled else None
    retriever, _ = retriever_for(settings, database)

    async def close() -> None:
        await retriever.close()
        if claude is not None:
            await close_copilot(claude)

    return PilotServices(copilot=claude or offline, offline=offline, retriever=retriever, close=close)

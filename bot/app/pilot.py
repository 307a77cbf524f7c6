"""Builds FlowPilot for the composition root: Claude when ``ANTHROPIC_API_KEY`` is set, else the offline copilot;
hybrid retrieval over the search index (lexical only without ``VOYAGE_API_KEY``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.engine.pilot.services import PilotServices
from bot.flows.model import Flow
from bot.metrics import Metrics
from bot.pilot.offline import OfflineCopilot
from bot.pilot.retrieval import HybridRetriever
from bot.store.database import Database
from bot.store.search_index import SqlSearchIndex

if TYPE_CHECKING:
    from bot.pilot.voyage import VoyageEmbedder

# The vendor SDKs (anthropic, voyageai) are imported only when their keys are set: together they are most of the
# CLI's start-up time, and most commands never talk to a model.


def embedder_for(settings: Settings) -> VoyageEmbedder | None:
    """The Voyage embedder when ``VOYAGE_API_KEY`` is set, else None (lexical retrieval only)."""
    key = settings.voyage_api_key.get_secret_value() if settings.voyage_api_key else ""
    if not key:
        return None
    from bot.pilot.voyage import VoyageEmbedder

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
    claude = None
    if settings.claude_enabled and settings.anthropic_api_key is not None:
        from bot.pilot.build import build_copilot

        claude = build_copilot(settings, metrics.model_call)
    retriever, _ = retriever_for(settings, database)

    async def close() -> None:
        await retriever.close()
        if claude is not None:
            await claude.aclose()

    return PilotServices(copilot=claude or offline, offline=offline, retriever=retriever, close=close)

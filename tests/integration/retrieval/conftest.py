"""Retrieval fixtures: a seeded database of each kind, its search store, the fake Voyage API and retrievers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.pilot.retrieval import HybridRetriever
from bot.pilot.voyage import VoyageEmbedder
from bot.store.database import Database
from bot.store.search_index import SqlSearchIndex
from tests.fakes.voyage_api import FakeVoyage
from tests.integration.retrieval.corpus import NOW, seeded

KEY = "pa-test-voyage-key-0123456789"
MODEL = "voyage-4-lite"

MakeRetriever = Callable[..., HybridRetriever]


@pytest.fixture
async def store(database: Database) -> SqlSearchIndex:
    """The search store over a migrated database holding teams A and B."""
    await seeded(database)
    return SqlSearchIndex(database.engine)


@pytest.fixture
async def voyage() -> AsyncIterator[FakeVoyage]:
    """The fake Voyage API (accepts only ``KEY``)."""
    async with FakeVoyage(api_key=KEY) as server:
        yield server


@pytest.fixture
def embedder(voyage: FakeVoyage) -> VoyageEmbedder:
    """A real ``VoyageEmbedder`` pointed at the fake (no retries, so faults show at once)."""
    return VoyageEmbedder(KEY, voyage.url, MODEL, 256, max_retries=1, timeout=5)


@pytest.fixture
async def make_retriever(store: SqlSearchIndex) -> AsyncIterator[MakeRetriever]:
    """``make_retriever(embedder=None, **options)``: a retriever over ``store`` at the corpus's time (closed after
    the test, so no background cache reload outlives it)."""
    made: list[HybridRetriever] = []

    def make(embedder: VoyageEmbedder | None = None, **options: object) -> HybridRetriever:
        made.append(HybridRetriever(store, embedder, clock=lambda: NOW, **options))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for retriever in made:
        await retriever.close()

"""What retrieval needs from the outside: an embedder and the search store (Protocols, satisfied structurally).

``bot.pilot`` may not import ``bot.store``; ``bot.store.search_index.SqlSearchIndex`` implements ``SearchStore``
and ``CorpusSource`` without knowing these Protocols, and ``bot.pilot.voyage.VoyageEmbedder`` implements
``Embedder``. The composition root joins them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from bot.engine.model import Session
from bot.flows.model import Flow

Vectors = np.ndarray[Any, np.dtype[np.float32]]


class Embedder(Protocol):
    """Turns text into unit-length float32 vectors (dot product = cosine similarity)."""

    @property
    def model(self) -> str:
        """The model name recorded with each stored vector."""
        ...

    @property
    def dims(self) -> int:
        """Vector length."""
        ...

    async def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """``(len(texts), dims)`` vectors for documents being indexed; raises on failure."""
        ...

    async def embed_query(self, text: str) -> Vectors:
        """The ``(dims,)`` vector of a query; raises on failure."""
        ...


class StoredRow(Protocol):
    """An indexed document as the store hands it out."""

    @property
    def id(self) -> int: ...
    @property
    def team_id(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def ref(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def recency_at(self) -> datetime: ...
    @property
    def rank(self) -> float: ...


class StoredFingerprint(Protocol):
    """What a stored row was built from."""

    @property
    def text_hash(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def dims(self) -> int: ...
    @property
    def recency_at(self) -> datetime: ...


class StoredVector(Protocol):
    """A stored vector (``embedding`` None: the row has none for the wanted model any more)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def embedding(self) -> bytes | None: ...


class SearchStore(Protocol):
    """The retrieval index. ``team_id`` None (or "") is the public scope; reads always add the public scope."""

    async def fingerprints(
        self, team_id: str | None, kinds: Collection[str], refs: Collection[str] | None = None
    ) -> Mapping[tuple[str, str], StoredFingerprint]:
        """``(kind, ref) -> fingerprint`` of the scope's rows (only ``refs`` when given)."""
        ...

    async def upsert(self, docs: Sequence[Any], at: datetime) -> int:
        """Insert or replace ``IndexWrite`` documents by scope, kind and ref."""
        ...

    async def remove(self, team_id: str | None, kind: str, refs: Collection[str]) -> int:
        """Delete rows of the scope."""
        ...

    async def refresh_statistics(self) -> None:
        """Recount words for the lexical query (after bulk changes, and now and then)."""
        ...

    async def lexical(
        self, team_id: str, words: Sequence[str], kinds: Collection[str], limit: int
    ) -> Sequence[StoredRow]:
        """Full-text candidates (any of ``words``), best rank first."""
        ...

    async def documents(self, team_id: str, ids: Collection[int]) -> Sequence[StoredRow]:
        """These rows, if the team may see them."""
        ...

    async def vectors(self, scope: str, model: str, dims: int, since: datetime | None = None) -> Sequence[StoredVector]:
        """One scope's vectors (all, or the rows written after ``since``)."""
        ...

    async def vectors_for(self, team_id: str, ids: Collection[int], model: str, dims: int) -> Mapping[int, bytes]:
        """Stored vectors of these rows, if the team may see them."""
        ...


class CorpusSource(Protocol):
    """Everything that should be in the index, for ``reindex_all``."""

    async def published_flows(self) -> Sequence[tuple[str | None, Flow]]:
        """``(team_id or None for public, flow)`` for the latest published version of every flow."""
        ...

    def resolved_sessions(self, batch: int = 500) -> AsyncIterator[list[Session]]:
        """Every resolved session, in batches."""
        ...

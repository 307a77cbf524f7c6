"""``HybridRetriever``: the engine's ``Retriever`` port over the search store, semantic + lexical.

One query: the store's full-text candidates (any query word; top ``lexical_candidates``) and, with an embedder,
the query's vector (requested at the same time) scored against the team's cached vectors (``VectorCache``: the
best ``semantic_candidates`` rows plus every lexical candidate). The union is scored with ``scoring.composite``;
rows found only semantically are read from the store in one more query. If the embedder fails, the call runs
lexical-only (logged), never fails. Flow steps are folded into their flow for ``search`` (a hit on step 7 of a flow
finds the flow; its title names the step) unless ``"step"`` is asked for explicitly; ``match_flows`` compares
against flow summaries only. A candidate without a stored vector for the embedder's model (indexed before a key
was set, or just now) is scored in the lexical-only form rather than as dissimilar.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from bot.engine.copilot import Hit
from bot.engine.model import Session
from bot.flows.model import Flow
from bot.pilot.retrieval import scoring
from bot.pilot.retrieval.documents import FLOW, SESSION, STEP, session_text
from bot.pilot.retrieval.indexer import Indexer, IndexReport
from bot.pilot.retrieval.ports import CorpusSource, Embedder, SearchStore, StoredRow, Vectors
from bot.pilot.retrieval.vectors import PUBLIC, Probe, VectorCache, decode

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate with its scores (``semantic`` None in lexical-only mode)."""

    row: StoredRow
    score: float
    semantic: float | None
    keyword: float
    recency: float


class HybridRetriever:
    """Implements ``bot.engine.copilot.Retriever``; also indexes (``index_flows``, ``index_session``,
    ``reindex_all``). ``embedder`` None = lexical-only."""

    def __init__(
        self,
        store: SearchStore,
        embedder: Embedder | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
        lexical_candidates: int = 40,
        semantic_candidates: int = 40,
        max_cached_vectors: int = 300_000,
        cache_refresh_seconds: float = 5.0,
        half_life_days: float = scoring.HALF_LIFE_DAYS,
    ) -> None:
        self._store, self._embedder, self._clock = store, embedder, clock
        self._n_lex, self._n_sem, self._half_life = lexical_candidates, semantic_candidates, half_life_days
        self.cache = (
            VectorCache(
                store,
                embedder.model,
                embedder.dims,
                max_vectors=max_cached_vectors,
                refresh_seconds=cache_refresh_seconds,
                wall_clock=clock,  # the clock the indexer stamps ``updated_at`` with, so delta reads see its rows
            )
            if embedder is not None
            else None
        )
        self.indexer = Indexer(store, embedder, clock, self._changed)

    @property
    def mode(self) -> str:
        """``"hybrid"`` with an embedder, else ``"lexical"``."""
        return "hybrid" if self._embedder is not None else "lexical"

    async def search(
        self, team_id: str, query: str, kinds: tuple[str, ...] = ("flow", "session"), limit: int = 5
    ) -> list[Hit]:
        """The best flows / sessions (/ steps, if asked) for ``query`` visible to the team, best first."""
        wanted = set(kinds)
        fold_steps = FLOW in wanted and STEP not in wanted
        db_kinds = sorted(wanted | ({STEP} if fold_steps else set()))
        scored = await self.rank(team_id, query, db_kinds)
        hits: dict[tuple[str, str], Hit] = {}
        words = scoring.query_words(query)
        for c in scored:
            if c.keyword <= 0 and (c.semantic or 0.0) < scoring.SEARCH_FLOOR_SEMANTIC:
                continue
            kind, ref = c.row.kind, c.row.ref
            if kind == STEP and fold_steps:
                kind, ref = FLOW, ref.split("#", 1)[0]
            if (kind, ref) not in hits:
                hits[(kind, ref)] = Hit(kind, ref, c.row.title, scoring.snippet(c.row.body, words), round(c.score, 4))
            if len(hits) >= limit:
                break
        return list(hits.values())

    async def match_flows(self, team_id: str, text: str, limit: int = 3) -> list[Hit]:
        """Flows whose composite score for ``text`` is above ``scoring.MATCH_THRESHOLD``, best first."""
        words = scoring.query_words(text)
        hits: list[Hit] = []
        for c in await self.rank(team_id, text, [FLOW]):
            if c.score <= scoring.MATCH_THRESHOLD or any(h.ref == c.row.ref for h in hits):
                continue
            hits.append(Hit(FLOW, c.row.ref, c.row.title, scoring.snippet(c.row.body, words), round(c.score, 4)))
            if len(hits) >= limit:
                break
        return hits

    async def rank(self, team_id: str, text: str, kinds: Sequence[str]) -> list[Scored]:
        """Every candidate of these stored kinds for ``text``, scored, best first (ties: newer first). A team's flow
        hides the public flow with the same key."""
        words = scoring.query_words(text)
        if not words:
            return []
        rows, semantic = await self._candidates(team_id, text, words, kinds)
        terms, now = scoring.query_terms(text), self._clock()
        scored = []
        for row in rows.values():
            keyword = scoring.keyword_score(terms, row.title, row.body)
            sim = None if semantic is None else semantic.get(row.id)  # no vector yet: scored lexically
            recency = scoring.recency_score(row.recency_at, now, self._half_life)
            scored.append(Scored(row, scoring.composite(sim, keyword, recency), sim, keyword, recency))
        own = {(c.row.kind, c.row.ref) for c in scored if c.row.team_id}
        scored = [c for c in scored if c.row.team_id or (c.row.kind, c.row.ref) not in own]  # own flow shadows public
        scored.sort(key=lambda c: (-c.score, -c.row.recency_at.timestamp(), c.row.id))
        return scored

    async def _candidates(
        self, team_id: str, text: str, words: list[str], kinds: Sequence[str]
    ) -> tuple[dict[int, StoredRow], dict[int, float] | None]:
        """Lexical and semantic candidates, with the SQL round trips overlapped: the full-text query runs while the
        query is embedded and scored, then the semantic candidates' rows are read while it finishes."""
        lexical_task = asyncio.create_task(self._store.lexical(team_id, words, kinds, self._n_lex))
        documents_task: asyncio.Task[Sequence[StoredRow]] | None = None
        try:
            vector = await self._query_vector(text)
            probe = await self._probe(team_id, vector, kinds) if vector is not None else None
            if probe is not None and probe.top:
                documents_task = asyncio.create_task(self._store.documents(team_id, list(probe.top)))
            rows = {r.id: r for r in await lexical_task}
            extra = await documents_task if documents_task is not None else ()
        except BaseException:
            for task in (lexical_task, documents_task):
                if task is not None and not task.done():
                    task.cancel()
            raise
        rows.update({r.id: r for r in extra if r.id not in rows and r.kind in kinds})
        if vector is None:
            return rows, None
        if probe is not None:
            return rows, probe.top | probe.scores_of(list(rows))
        return rows, await self._stored_scores(team_id, vector, list(rows))

    async def _query_vector(self, text: str) -> Vectors | None:
        if self._embedder is None:
            return None
        try:
            return await self._embedder.embed_query(text)
        except Exception as err:  # retrieval degrades to lexical, it never fails the caller
            log.warning("query embedding failed, searching lexically: %s", err)
            return None

    async def _probe(self, team_id: str, vector: Vectors, kinds: Sequence[str]) -> Probe | None:
        assert self.cache is not None
        return await self.cache.probe(team_id, vector, kinds, self._n_sem)

    async def _stored_scores(self, team_id: str, vector: Vectors, ids: list[int]) -> dict[int, float]:
        """Scores of the lexical candidates from their stored vectors (the team's vectors don't fit in memory)."""
        assert self._embedder is not None
        stored = await self._store.vectors_for(team_id, ids, self._embedder.model, self._embedder.dims)
        scores = {}
        for ident, blob in stored.items():
            v = decode(blob, self._embedder.dims)
            if v is not None:
                scores[ident] = float(np.dot(v, vector))
        return scores

    # --- indexing ---------------------------------------------------------------------------------------------

    async def index_flows(self, team_id: str | None, flows: Iterable[Flow], *, prune: bool = False) -> IndexReport:
        """Index flows of one scope (None = public flows); steps a flow no longer has are removed, and with
        ``prune`` (``flows`` are all the scope's published flows) so are flows not among them."""
        return await self.indexer.index_flows(team_id, flows, prune=prune)

    async def index_session(
        self, team_id: str, session_id: str, title: str, text: str, resolved_at: datetime
    ) -> IndexReport:
        """Index one resolved session (``session_text`` builds ``title`` and ``text`` from a ``Session``)."""
        return await self.indexer.index_session(team_id, session_id, title, text, resolved_at)

    async def index_resolved(self, session: Session) -> IndexReport:
        """Index a resolved session from its domain object."""
        title, text = session_text(session)
        return await self.index_session(session.team_id, session.id, title, text, session.ended_at or self._clock())

    async def remove_session(self, team_id: str, session_id: str) -> IndexReport:
        """Take a session out of the index (it is no longer resolved, or is gone)."""
        return await self.indexer.remove(team_id, SESSION, [session_id])

    async def reindex_all(
        self,
        source: CorpusSource,
        *,
        flows: bool = True,
        sessions: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> IndexReport:
        """Rebuild from ``source`` (every published flow and resolved session); unchanged documents cost nothing."""
        return await self.indexer.reindex_all(source, flows=flows, sessions=sessions, progress=progress or log.info)

    async def refresh_statistics(self) -> None:
        """Recount words for the lexical query's choice of rare words (``reindex_all`` does it; schedule it hourly
        or so where documents are indexed one by one)."""
        await self._store.refresh_statistics()

    async def warm(self, team_ids: Collection[str]) -> None:
        """Load the vector cache of these teams (and the public flows) ahead of the first query."""
        if self.cache is None:
            return
        probe = np.zeros(self.cache.dims, dtype=np.float32)
        for team_id in team_ids or [PUBLIC]:
            await self.cache.scores(team_id, probe, [FLOW, STEP, SESSION], 1)

    async def close(self) -> None:
        """Wait for background cache reloads (call before closing the database)."""
        if self.cache is not None:
            await self.cache.close()

    def _changed(self, scope: str, removed: bool) -> None:
        if self.cache is not None:
            (self.cache.reload if removed else self.cache.touch)(scope)

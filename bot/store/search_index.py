"""The retrieval index in SQL: upserts, lexical top-k, vectors for the semantic side, and the corpus to reindex.

One short transaction per call on the shared engine (like ``SqlMemberLinks``); the index is derived data, outside
the engine's units of work. Every read is scoped: a team sees ``scope IN (team, 'public')``, never another team's
rows. The full-text statements are in ``bot.store.search_sql``; the DDL in migration 0007 (``search_tables``).

``SqlSearchIndex`` implements ``bot.pilot.retrieval.SearchStore`` and ``CorpusSource`` structurally: it hands out
the dataclasses below and accepts any object with the attributes of ``DocumentWrite``. It is also what the index
worker reads a job's documents from (``bot.jobs.indexing.IndexSource``: one resolved session, one scope's flows);
the job queue itself is ``bot.store.index_jobs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.engine.model import Session, SessionStatus
from bot.flows.model import Flow, FlowStatus
from bot.store.mapping import session_from_row
from bot.store.repositories.flows import FLOWS, PUBLIC, VERSIONS, FlowCache
from bot.store.search_sql import SMALL_CORPUS, fts_terms, lexical_params, lexical_statement
from bot.store.search_tables import PUBLIC_SCOPE, TERM_STATS
from bot.store.tables import SEARCH_DOCUMENTS as DOCS
from bot.store.tables import SEARCH_VECTORS as VECS
from bot.store.tables import SessionRow

__all__ = ["DocumentRow", "DocumentWrite", "Fingerprint", "SqlSearchIndex", "VectorRow", "fts_terms", "scope_of"]
MAX_BODY_CHARS = 8000
CHUNK = 500
_OUT = (DOCS.c.id, DOCS.c.team_id, DOCS.c.kind, DOCS.c.ref, DOCS.c.title, DOCS.c.body, DOCS.c.recency_at)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What an indexed row was built from: compare with new text and the current embedding model."""

    text_hash: str
    model: str
    dims: int
    recency_at: datetime


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """An indexed document; ``rank`` is the full-text rank (higher is better) for lexical hits, else 0."""

    id: int
    team_id: str | None
    kind: str
    ref: str
    title: str
    body: str
    recency_at: datetime
    rank: float = 0.0


@dataclass(frozen=True, slots=True)
class VectorRow:
    """A row's stored vector (``embedding`` is None when it has none for the wanted model, e.g. text changed)."""

    id: int
    kind: str
    updated_at: datetime
    embedding: bytes | None


class DocumentWrite(Protocol):
    """What ``upsert`` needs of each document (``bot.pilot.retrieval`` builds these)."""

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
    def text_hash(self) -> str: ...
    @property
    def recency_at(self) -> datetime: ...
    @property
    def embedding(self) -> bytes | None: ...
    @property
    def model(self) -> str: ...
    @property
    def dims(self) -> int: ...
    @property
    def keep_embedding(self) -> bool: ...


def scope_of(team_id: str | None) -> str:
    """``"public"`` for public flows (team None or ""), else the team id."""
    return team_id or PUBLIC_SCOPE


def _row(r: Any, rank: float = 0.0) -> DocumentRow:
    return DocumentRow(r.id, r.team_id, r.kind, r.ref, r.title, r.body, r.recency_at, rank)


class SqlSearchIndex:
    """The retrieval index over ``search_documents`` (see the module docstring)."""

    def __init__(
        self, engine: AsyncEngine, flow_cache: FlowCache | None = None, *, prune_from: int = SMALL_CORPUS
    ) -> None:
        self._engine = engine
        self._flows = flow_cache or FlowCache(64)
        self._prune_from = prune_from  # index size from which PostgreSQL looks up only a query's rarer words

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    async def fingerprints(
        self, team_id: str | None, kinds: Collection[str], refs: Collection[str] | None = None
    ) -> dict[tuple[str, str], Fingerprint]:
        """``(kind, ref) -> Fingerprint`` of the scope's rows of these kinds (only ``refs`` when given)."""
        stmt = (
            select(DOCS.c.kind, DOCS.c.ref, DOCS.c.text_hash, DOCS.c.recency_at, VECS.c.model, VECS.c.dims)
            .select_from(DOCS.outerjoin(VECS, VECS.c.document_id == DOCS.c.id))
            .where(DOCS.c.scope == scope_of(team_id), DOCS.c.kind.in_(list(kinds)))
        )
        wanted = list(refs) if refs is not None else None
        found: dict[tuple[str, str], Fingerprint] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK) if wanted is not None else [0]:
                chunk = stmt if wanted is None else stmt.where(DOCS.c.ref.in_(wanted[start : start + CHUNK]))
                for r in await conn.execute(chunk):
                    found[(r.kind, r.ref)] = Fingerprint(r.text_hash, r.model or "", r.dims or 0, r.recency_at)
        return found

    async def upsert(self, docs: Sequence[DocumentWrite], at: datetime) -> int:
        """Insert or replace documents by ``(scope, kind, ref)``; returns how many were written.

        A document with ``keep_embedding`` keeps its stored vector (its text is unchanged); any other document gets
        its ``embedding``, or loses its vector when that is None (the stored one no longer matches the text)."""
        async with self._engine.begin() as conn:
            for start in range(0, len(docs), CHUNK):
                await self._upsert_chunk(conn, docs[start : start + CHUNK], at)
        return len(docs)

    async def _upsert_chunk(self, conn: AsyncConnection, docs: Sequence[DocumentWrite], at: datetime) -> None:
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        rows = [self._values(d, at) for d in docs]
        base = insert(DOCS)
        names = ("title", "body", "text_hash", "recency_at", "updated_at", "team_id")
        stmt = base.on_conflict_do_update(
            index_elements=["scope", "kind", "ref"], set_={n: base.excluded[n] for n in names}
        ).returning(DOCS.c.id, DOCS.c.kind, DOCS.c.ref)
        ids = {(r.kind, r.ref): r.id for r in await conn.execute(stmt, rows)}
        vectors = [
            {"document_id": ids[(d.kind, d.ref)], "model": d.model, "dims": d.dims, "embedding": d.embedding}
            for d in docs
            if d.embedding is not None and not d.keep_embedding
        ]
        cleared = [ids[(d.kind, d.ref)] for d in docs if d.embedding is None and not d.keep_embedding]
        if vectors:
            vstmt = insert(VECS)
            vstmt = vstmt.on_conflict_do_update(
                index_elements=["document_id"], set_={n: vstmt.excluded[n] for n in ("model", "dims", "embedding")}
            )
            await conn.execute(vstmt, vectors)
        if cleared:
            await conn.execute(delete(VECS).where(VECS.c.document_id.in_(cleared)))

    def _values(self, d: DocumentWrite, at: datetime) -> dict[str, Any]:
        return {
            "team_id": d.team_id or None,
            "scope": scope_of(d.team_id),
            "kind": d.kind,
            "ref": d.ref,
            "title": d.title,
            "body": d.body[:MAX_BODY_CHARS],
            "text_hash": d.text_hash,
            "recency_at": d.recency_at,
            "updated_at": at,
        }

    async def remove(self, team_id: str | None, kind: str, refs: Collection[str]) -> int:
        """Delete the scope's rows of ``kind`` with these refs (their vectors go with them); returns how many."""
        wanted, removed = list(refs), 0
        async with self._engine.begin() as conn:
            for start in range(0, len(wanted), CHUNK):
                stmt = delete(DOCS).where(
                    DOCS.c.scope == scope_of(team_id),
                    DOCS.c.kind == kind,
                    DOCS.c.ref.in_(wanted[start : start + CHUNK]),
                )
                removed += (await conn.execute(stmt)).rowcount
        return removed

    async def refresh_statistics(self) -> None:
        """Recount documents per word for the lexical query's choice of rare words (PostgreSQL; about a second per
        100k documents, readers are not blocked). Nothing to do on SQLite."""
        if self.dialect == "postgresql":
            async with self._engine.begin() as conn:
                await conn.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {TERM_STATS}"))

    async def lexical(
        self, team_id: str, words: Sequence[str], kinds: Collection[str], limit: int
    ) -> list[DocumentRow]:
        """The team's (and public) documents matching its words, best full-text rank first (``search_sql``)."""
        terms = fts_terms(words)
        if not terms or not kinds or limit <= 0:
            return []
        params = lexical_params(self.dialect, scope_of(team_id), terms, kinds, limit, self._prune_from)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(lexical_statement(self.dialect), params)).all()
        return [_row(r, float(r.rank)) for r in rows]

    async def documents(self, team_id: str, ids: Collection[int]) -> list[DocumentRow]:
        """These documents, if the team may see them (ids of other teams' rows are silently left out)."""
        if not ids:
            return []
        stmt = select(*_OUT).where(DOCS.c.id.in_(list(ids)), DOCS.c.scope.in_((scope_of(team_id), PUBLIC_SCOPE)))
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(stmt)]

    async def vectors(self, scope: str, model: str, dims: int, since: datetime | None = None) -> list[VectorRow]:
        """Rows of one scope (``"public"`` or a team id) written after ``since`` (all when None), with their vector
        for ``model``/``dims``. A full load leaves out rows without one; a delta includes them (to drop them)."""
        wanted = and_(VECS.c.document_id == DOCS.c.id, VECS.c.model == model, VECS.c.dims == dims)
        stmt = select(DOCS.c.id, DOCS.c.kind, DOCS.c.updated_at, VECS.c.embedding).where(DOCS.c.scope == scope)
        if since is None:
            stmt = stmt.select_from(DOCS.join(VECS, wanted))
        else:
            stmt = stmt.select_from(DOCS.outerjoin(VECS, wanted)).where(DOCS.c.updated_at > since)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [VectorRow(r.id, r.kind, r.updated_at, r.embedding) for r in rows]

    async def vectors_for(self, team_id: str, ids: Collection[int], model: str, dims: int) -> dict[int, bytes]:
        """Stored vectors (for ``model``/``dims``) of these documents the team may see."""
        if not ids:
            return {}
        stmt = (
            select(DOCS.c.id, VECS.c.embedding)
            .select_from(DOCS.join(VECS, VECS.c.document_id == DOCS.c.id))
            .where(
                DOCS.c.id.in_(list(ids)),
                DOCS.c.scope.in_((scope_of(team_id), PUBLIC_SCOPE)),
                VECS.c.model == model,
                VECS.c.dims == dims,
            )
        )
        async with self._engine.connect() as conn:
            return {int(r.id): bytes(r.embedding) for r in await conn.execute(stmt)}

    async def published_flows(self) -> list[tuple[str | None, Flow]]:
        """The latest published version of every stored flow: ``(team_id, flow)``, team None for public flows."""
        return await self._published()

    async def scope_flows(self, team_id: str | None) -> list[Flow]:
        """The latest published version of each flow of one scope: the team's own, or the public ones (None)."""
        return [flow for _, flow in await self._published(team_id or PUBLIC)]

    async def resolved_session(self, team_id: str, session_id: str) -> Session | None:
        """The team's session if it is resolved (None if it is not, or is not the team's)."""
        stmt = select(SessionRow.__table__).where(
            SessionRow.team_id == team_id,
            SessionRow.id == session_id,
            SessionRow.status == SessionStatus.RESOLVED.value,
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        return session_from_row(row) if row is not None else None

    async def _published(self, scope: str | None = None) -> list[tuple[str | None, Flow]]:
        newest = (
            select(VERSIONS.c.flow_id, func.max(VERSIONS.c.version).label("version"))
            .where(VERSIONS.c.status == FlowStatus.PUBLISHED.value)
            .group_by(VERSIONS.c.flow_id)
            .subquery()
        )
        stmt = (
            select(FLOWS.c.team_id, FLOWS.c.scope, FLOWS.c.key, FLOWS.c.visibility)
            .add_columns(VERSIONS.c.id, VERSIONS.c.version, VERSIONS.c.status, VERSIONS.c.source)
            .join_from(FLOWS, newest, newest.c.flow_id == FLOWS.c.id)
            .join(VERSIONS, (VERSIONS.c.flow_id == FLOWS.c.id) & (VERSIONS.c.version == newest.c.version))
            .order_by(FLOWS.c.scope, FLOWS.c.key)
        )
        if scope is not None:
            stmt = stmt.where(FLOWS.c.scope == scope)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        flows = [self._flows.get(r) or self._flows.parse(r, r.source) for r in rows]
        return [(None if r.scope == PUBLIC else r.team_id, flow) for r, flow in zip(rows, flows, strict=True)]

    async def resolved_sessions(self, batch: int = 500) -> AsyncIterator[list[Session]]:
        """Every resolved session of every team, ``batch`` at a time (by id)."""
        after = ""
        while True:
            stmt = (
                select(SessionRow.__table__)
                .where(SessionRow.status == SessionStatus.RESOLVED.value, SessionRow.id > after)
                .order_by(SessionRow.id)
                .limit(batch)
            )
            async with self._engine.connect() as conn:
                rows = (await conn.execute(stmt)).all()
            if not rows:
                return
            yield [session_from_row(r) for r in rows]
            after = rows[-1].id

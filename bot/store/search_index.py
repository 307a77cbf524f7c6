"""The retrieval index in SQL: upserts, lexical top-k, vectors for the semantic side, and the corpus to reindex.

One short transaction per call on the shared engine (like ``SqlMemberLinks``); the index is derived data, outside
the engine's units of work. Every read is scoped: a team sees ``scope IN (team, 'public')``, never another team's
rows. Full text is PostgreSQL's ``tsvector`` (``ts_rank_cd`` over an OR of the query words) or SQLite FTS5
(``bm25``, title weighted 4:1); the DDL lives in migration 0007 (see ``bot.store.search_tables``).

``SqlSearchIndex`` implements ``bot.pilot.retrieval.SearchStore`` structurally: it hands out the dataclasses below
and accepts any object with the attributes of ``DocumentWrite``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Integer, String, TextualSelect, bindparam, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeEngine

from bot.engine.model import Session, SessionStatus
from bot.flows.model import Flow, FlowStatus
from bot.store.mapping import session_from_row
from bot.store.repositories.base import per_dialect
from bot.store.repositories.flows import FLOWS, PUBLIC, VERSIONS, FlowCache
from bot.store.search_tables import PUBLIC_SCOPE
from bot.store.tables import SEARCH_DOCUMENTS as DOCS
from bot.store.tables import SessionRow
from bot.store.types import UtcDateTime

MAX_BODY_CHARS = 8000
MAX_TERMS = 16
_TERM = re.compile(r"[^\W_]+")
_OUT = (DOCS.c.id, DOCS.c.team_id, DOCS.c.kind, DOCS.c.ref, DOCS.c.title, DOCS.c.body, DOCS.c.recency_at)
_TYPES: dict[str, TypeEngine[Any]] = {"id": Integer(), "team_id": String(), "recency_at": UtcDateTime()}


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


def fts_terms(words: Sequence[str]) -> list[str]:
    """Words safe to put in a full-text query: letters and digits only, lower case, distinct, at most 16."""
    found = [t.lower() for w in words for t in _TERM.findall(w)]
    return list(dict.fromkeys(found))[:MAX_TERMS]


@per_dialect
def _lexical(dialect: str) -> TextualSelect:
    if dialect == "postgresql":
        sql = (
            "SELECT d.id, d.team_id, d.kind, d.ref, d.title, d.body, d.recency_at, ts_rank_cd(d.search_tsv, q) AS rank "
            "FROM search_documents d, to_tsquery('english', :query) q "
            "WHERE d.scope IN (:team, 'public') AND d.kind IN :kinds AND d.search_tsv @@ q "
            "ORDER BY rank DESC, d.id LIMIT :limit"
        )
    else:
        sql = (
            "SELECT d.id, d.team_id, d.kind, d.ref, d.title, d.body, d.recency_at, "
            "-bm25(search_fts, 4.0, 1.0) AS rank "
            "FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid "
            "WHERE search_fts MATCH :query AND d.scope IN (:team, 'public') AND d.kind IN :kinds "
            "ORDER BY rank DESC, d.id LIMIT :limit"
        )
    return text(sql).bindparams(bindparam("kinds", expanding=True)).columns(**_TYPES)


def _match_expression(dialect: str, terms: Sequence[str]) -> str:
    if dialect == "postgresql":
        return " | ".join(terms)
    return " OR ".join(f'"{t}"' for t in terms)


def _row(r: Any, rank: float = 0.0) -> DocumentRow:
    return DocumentRow(r.id, r.team_id, r.kind, r.ref, r.title, r.body, r.recency_at, rank)


class SqlSearchIndex:
    """The retrieval index over ``search_documents`` (see the module docstring)."""

    def __init__(self, engine: AsyncEngine, flow_cache: FlowCache | None = None) -> None:
        self._engine = engine
        self._flows = flow_cache or FlowCache(64)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    async def fingerprints(
        self, team_id: str | None, kinds: Collection[str], refs: Collection[str] | None = None
    ) -> dict[tuple[str, str], Fingerprint]:
        """``(kind, ref) -> Fingerprint`` of the scope's rows of these kinds (only ``refs`` when given)."""
        cols = (DOCS.c.kind, DOCS.c.ref, DOCS.c.text_hash, DOCS.c.embedding_model, DOCS.c.embedding_dims)
        stmt = select(*cols, DOCS.c.recency_at).where(DOCS.c.scope == scope_of(team_id), DOCS.c.kind.in_(kinds))
        found: dict[tuple[str, str], Fingerprint] = {}
        wanted = list(refs) if refs is not None else None
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), 500) if wanted is not None else [0]:
                chunk = stmt if wanted is None else stmt.where(DOCS.c.ref.in_(wanted[start : start + 500]))
                for r in await conn.execute(chunk):
                    found[(r.kind, r.ref)] = Fingerprint(r.text_hash, r.embedding_model, r.embedding_dims, r.recency_at)
        return found

    async def upsert(self, docs: Sequence[DocumentWrite], at: datetime) -> int:
        """Insert or replace documents by ``(scope, kind, ref)``; returns how many were written.

        A document with ``keep_embedding`` keeps the stored vector (its text is unchanged); any other document
        replaces it with its ``embedding`` (None clears a vector that no longer matches the text)."""
        keep = [self._values(d, at) for d in docs if d.keep_embedding]
        replace = [self._values(d, at) for d in docs if not d.keep_embedding]
        async with self._engine.begin() as conn:
            for rows, with_vector in ((keep, False), (replace, True)):
                for start in range(0, len(rows), 500):
                    await conn.execute(self._upsert_statement(with_vector), rows[start : start + 500])
        return len(docs)

    def _values(self, d: DocumentWrite, at: datetime) -> dict[str, Any]:
        values: dict[str, Any] = {
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
        if not d.keep_embedding:
            vector = d.embedding
            values.update(embedding=vector, embedding_model=d.model if vector else "")
            values["embedding_dims"] = d.dims if vector else 0
        return values

    def _upsert_statement(self, with_vector: bool) -> Any:
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = insert(DOCS)
        names = ["title", "body", "text_hash", "recency_at", "updated_at", "team_id"]
        if with_vector:
            names += ["embedding", "embedding_model", "embedding_dims"]
        else:  # new rows inserted through the "keep" path have no vector yet
            stmt = stmt.values(embedding=None, embedding_model="", embedding_dims=0)
        return stmt.on_conflict_do_update(
            index_elements=["scope", "kind", "ref"], set_={n: stmt.excluded[n] for n in names}
        )

    async def remove(self, team_id: str | None, kind: str, refs: Collection[str]) -> int:
        """Delete the scope's rows of ``kind`` with these refs; returns how many went."""
        wanted, removed = list(refs), 0
        async with self._engine.begin() as conn:
            for start in range(0, len(wanted), 500):
                stmt = delete(DOCS).where(
                    DOCS.c.scope == scope_of(team_id), DOCS.c.kind == kind, DOCS.c.ref.in_(wanted[start : start + 500])
                )
                removed += (await conn.execute(stmt)).rowcount
        return removed

    async def lexical(
        self, team_id: str, words: Sequence[str], kinds: Collection[str], limit: int
    ) -> list[DocumentRow]:
        """The team's (and public) documents matching any of ``words``, best full-text rank first."""
        terms = fts_terms(words)
        if not terms or not kinds or limit <= 0:
            return []
        params = {
            "query": _match_expression(self.dialect, terms),
            "team": scope_of(team_id),
            "kinds": list(kinds),
            "limit": limit,
        }
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_lexical(self.dialect), params)).all()
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
        wanted = (DOCS.c.embedding_model == model) & (DOCS.c.embedding_dims == dims)
        stmt = select(DOCS.c.id, DOCS.c.kind, DOCS.c.updated_at, DOCS.c.embedding, wanted.label("ok")).where(
            DOCS.c.scope == scope
        )
        if since is None:
            stmt = stmt.where(wanted & DOCS.c.embedding.is_not(None))
        else:
            stmt = stmt.where(DOCS.c.updated_at > since)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [VectorRow(r.id, r.kind, r.updated_at, r.embedding if r.ok else None) for r in rows]

    async def vectors_for(self, team_id: str, ids: Collection[int], model: str, dims: int) -> dict[int, bytes]:
        """Stored vectors (for ``model``/``dims``) of these documents the team may see."""
        if not ids:
            return {}
        stmt = select(DOCS.c.id, DOCS.c.embedding).where(
            DOCS.c.id.in_(list(ids)),
            DOCS.c.scope.in_((scope_of(team_id), PUBLIC_SCOPE)),
            DOCS.c.embedding_model == model,
            DOCS.c.embedding_dims == dims,
            DOCS.c.embedding.is_not(None),
        )
        async with self._engine.connect() as conn:
            return {int(r.id): bytes(r.embedding) for r in await conn.execute(stmt)}

    async def published_flows(self) -> list[tuple[str | None, Flow]]:
        """The latest published version of every stored flow: ``(team_id, flow)``, team None for public flows."""
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

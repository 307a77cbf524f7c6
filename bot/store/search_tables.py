"""The retrieval index: ``search_documents`` (one row per flow, flow step or resolved session),
``search_vectors`` (its embedding, 1:1) and ``index_jobs`` (documents waiting to be (re)indexed).

Scope works like ``flows``: ``team_id`` is NULL for public flows and ``scope`` is ``"public"`` or the team id
(never NULL), so ``UNIQUE (scope, kind, ref)`` holds and a team reads ``scope IN (team, 'public')``.

Each document keeps the text it was indexed with and ``text_hash`` (sha256 of that text, which is what gets
embedded); its vector (little-endian float32 bytes) sits in ``search_vectors`` with the model and dimensions that
made it, so a change of text, model or size is what triggers re-embedding. Vectors have their own table so that
document rows stay small: on PostgreSQL a row over ~2 KB gets its columns compressed, and ranking then pays for
decompressing every matching tsvector (measured: twice the time of the lexical query at 100k documents).
``recency_at`` is the recency signal (a session's resolution time, a flow's last text change); ``updated_at`` is when
the row was last written (vector caches read what changed since they last looked).

Full-text objects are dialect-specific and created by raw DDL in migration 0007, outside this metadata:

* PostgreSQL: the generated column ``search_tsv`` (title weighted A, body B, ``english``, plus the marker lexemes
  ``~s:<scope>`` and ``~k:<kind>`` so that tenancy and kind are filtered inside the GIN index), its GIN index, and
  the materialized view ``search_term_stats`` (documents per lexeme, refreshed by ``refresh_statistics``) used to
  keep only a query's rarer words.
* SQLite: the FTS5 table ``search_fts`` (external content = ``search_documents``, porter tokenizer) and triggers
  that keep it in step with every insert, update and delete.

``index_jobs`` is the index's outbox: a row is written in the same transaction as the change that makes a document
stale (a session resolved, flows imported) and deleted by the background worker (``bot.jobs.indexing``) once the
document is indexed, so the index catches up after any crash. ``UNIQUE (scope, kind, ref)`` coalesces repeated
requests; ``generation`` grows with each one, so a worker that indexed an older state does not delete a newer
request. ``next_attempt_at`` NULL means due now; a claimed job's is the end of the worker's lease (migration 0008).

``include_name`` tells Alembic (``migrations/env.py``) and the model-vs-migration test to leave those objects out
of comparisons, so autogenerate never proposes dropping them. (A SQLite batch migration that rebuilds
``search_documents`` must re-create the triggers.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.store.types import UtcDateTime

SEARCH_DOCUMENTS = "search_documents"
SEARCH_VECTORS = "search_vectors"
FTS_TABLE = "search_fts"  # SQLite; FTS5 adds shadow tables named search_fts_<something>
TERM_STATS = "search_term_stats"  # PostgreSQL materialized view
TSV_COLUMN = "search_tsv"  # PostgreSQL
TSV_INDEX = "ix_search_documents_tsv"  # PostgreSQL
TERM_STATS_INDEX = "ix_search_term_stats_word"  # PostgreSQL
INDEX_JOBS = "index_jobs"
PUBLIC_SCOPE = "public"
KINDS = ("flow", "step", "session")


def add_search_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Define ``search_documents``, ``search_vectors`` and ``index_jobs`` on ``metadata``; return the first two
    (``metadata.tables[INDEX_JOBS]`` is the third, see ``add_index_jobs``)."""
    documents = Table(
        SEARCH_DOCUMENTS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("team_id", String(36), ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, index=True),
        Column("scope", String(36), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("ref", String(400), nullable=False),
        Column("title", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("text_hash", String(64), nullable=False),
        Column("recency_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        UniqueConstraint("scope", "kind", "ref"),
        Index("ix_search_documents_fresh", "scope", "updated_at"),
    )
    vectors = Table(
        SEARCH_VECTORS,
        metadata,
        Column("document_id", Integer, ForeignKey(f"{SEARCH_DOCUMENTS}.id", ondelete="CASCADE"), primary_key=True),
        Column("model", String(100), nullable=False),
        Column("dims", Integer, nullable=False),
        Column("embedding", LargeBinary, nullable=False),
    )
    add_index_jobs(metadata)
    return documents, vectors


def add_index_jobs(metadata: MetaData) -> Table:
    """Define ``index_jobs`` on ``metadata`` and return it."""
    return Table(
        INDEX_JOBS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("team_id", String(36), ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, index=True),
        Column("scope", String(36), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("ref", String(400), nullable=False),
        Column("generation", Integer, nullable=False),
        Column("status", String(40), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", UtcDateTime(), nullable=True),
        Column("last_error", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        UniqueConstraint("scope", "kind", "ref"),
        Index("ix_index_jobs_due", "status", "next_attempt_at"),
    )


def is_full_text_object(name: str | None, type_: str, parent_names: Mapping[str, Any] | None = None) -> bool:
    """True for the full-text objects created by raw DDL (FTS5 tables, the tsvector column and its index)."""
    if not name:
        return False
    if type_ == "table":
        return name in (FTS_TABLE, TERM_STATS) or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == TSV_COLUMN and (parent_names or {}).get("table_name") in (None, SEARCH_DOCUMENTS)
    if type_ == "index":
        return name in (TSV_INDEX, TERM_STATS_INDEX)
    return False


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic ``include_name`` hook: compare everything except the full-text objects."""
    return not is_full_text_object(name, type_, parent_names)

"""The retrieval index: ``search_documents``, one row per flow, flow step or resolved session.

Scope works like ``flows``: ``team_id`` is NULL for public flows and ``scope`` is ``"public"`` or the team id
(never NULL), so ``UNIQUE (scope, kind, ref)`` holds and a team reads ``scope IN (team, 'public')``.

Each row keeps the text it was indexed with, ``text_hash`` (sha256 of that text; the embedding is computed from
it) and, when embeddings are on, the vector as little-endian float32 bytes with the model and dimensions that made
it, so a change of text, model or dimensions is what triggers re-embedding. ``recency_at`` is the recency signal
(a session's resolution time, a flow's last text change); ``updated_at`` is when the row was last written (vector
caches read what changed since they last looked).

Full-text objects are dialect-specific and created by raw DDL in migration 0007, outside this metadata:

* PostgreSQL: the generated column ``search_tsv`` (title weighted A, body B, ``english``) with a GIN index.
* SQLite: the FTS5 table ``search_fts`` (external content = ``search_documents``, porter tokenizer) and triggers
  that keep it in step with every insert, update and delete.

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
FTS_TABLE = "search_fts"  # SQLite; FTS5 adds shadow tables named search_fts_<something>
TSV_COLUMN = "search_tsv"  # PostgreSQL
TSV_INDEX = "ix_search_documents_tsv"  # PostgreSQL
PUBLIC_SCOPE = "public"
KINDS = ("flow", "step", "session")


def add_search_tables(metadata: MetaData) -> Table:
    """Define ``search_documents`` on ``metadata`` and return it."""
    return Table(
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
        Column("embedding", LargeBinary, nullable=True),
        Column("embedding_model", String(100), nullable=False, default=""),
        Column("embedding_dims", Integer, nullable=False, default=0),
        UniqueConstraint("scope", "kind", "ref"),
        Index("ix_search_documents_fresh", "scope", "updated_at"),
    )


def is_full_text_object(name: str | None, type_: str, parent_names: Mapping[str, Any] | None = None) -> bool:
    """True for the full-text objects created by raw DDL (FTS5 tables, the tsvector column and its index)."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == TSV_COLUMN and (parent_names or {}).get("table_name") in (None, SEARCH_DOCUMENTS)
    if type_ == "index":
        return name == TSV_INDEX
    return False


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic ``include_name`` hook: compare everything except the full-text objects."""
    return not is_full_text_object(name, type_, parent_names)

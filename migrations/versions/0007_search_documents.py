"""Retrieval index: search_documents and search_vectors, with PostgreSQL full text (tsvector + GIN + term
statistics) or SQLite FTS5.

The full-text objects are raw, dialect-specific DDL kept out of the ORM metadata (see
``bot.store.search_tables``): on PostgreSQL a generated ``search_tsv`` column (with ``~s:<scope>`` and
``~k:<kind>`` marker lexemes), its GIN index and the ``search_term_stats`` materialized view; on SQLite an
external-content FTS5 table kept in step by triggers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=36)
TS = sa.DateTime(timezone=True)

PG_UP = (
    "ALTER TABLE search_documents ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body), 'B') || "
    "array_to_tsvector(ARRAY['~s:' || scope, '~k:' || kind])) STORED",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (search_tsv)",
    "CREATE MATERIALIZED VIEW search_term_stats AS "
    "SELECT word, ndoc FROM ts_stat('SELECT search_tsv FROM search_documents') "
    "UNION ALL SELECT '', count(*)::integer FROM search_documents",
    "CREATE UNIQUE INDEX ix_search_term_stats_word ON search_term_stats (word)",
)
PG_DOWN = ("DROP MATERIALIZED VIEW IF EXISTS search_term_stats",)
SQLITE_UP = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE OF title, body ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
)


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("scope", ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=400), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("recency_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_search_documents_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("scope", "kind", "ref", name=op.f("uq_search_documents_scope_kind_ref")),
    )
    op.create_index(op.f("ix_search_documents_team_id"), "search_documents", ["team_id"])
    op.create_index("ix_search_documents_fresh", "search_documents", ["scope", "updated_at"])
    op.create_table(
        "search_vectors",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("dims", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["search_documents.id"],
            name=op.f("fk_search_vectors_document_id_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_search_vectors")),
    )
    dialect = op.get_bind().dialect.name
    for statement in PG_UP if dialect == "postgresql" else SQLITE_UP if dialect == "sqlite" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in PG_DOWN if dialect == "postgresql" else SQLITE_DOWN if dialect == "sqlite" else ():
        op.execute(statement)
    op.drop_table("search_vectors")
    op.drop_index("ix_search_documents_fresh", table_name="search_documents")
    op.drop_index(op.f("ix_search_documents_team_id"), table_name="search_documents")
    op.drop_table("search_documents")

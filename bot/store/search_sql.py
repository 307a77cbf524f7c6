"""The full-text statements of the retrieval index, per dialect (see ``bot.store.search_tables`` for the DDL).

PostgreSQL, for a query of words W:

1. ``to_tsvector`` stems W; each lexeme's document count comes from ``search_term_stats``. Once the index holds
   ``SMALL_CORPUS`` documents or more, only the ``KEEP_TERMS`` rarest lexemes find candidates, and of those only
   the ones in at most ``COMMON_SHARE`` of all documents (the rarest is always kept): "windows", "user" or "server"
   would otherwise match most of the index. Lexemes the statistics don't know yet count as rare.
2. The GIN index finds documents with any kept lexeme *and* the team's or the public scope marker *and* a wanted
   kind marker, so other teams' rows are never read; at most ``MAX_MATCHES`` of them are ranked (a query whose
   rarest words are still that common is a weak lexical signal; the semantic side searches everything).
3. They are ranked with ``ts_rank`` over *all* of W (title weighted A, body B): documents with more of the words
   come first. ``ts_rank`` is about three times cheaper than ``ts_rank_cd`` at this size (measured), and the
   retriever re-scores the top candidates itself. Scope and kind are checked again exactly on the result.

SQLite: FTS5 ``MATCH`` of any word (quoted), ``bm25`` with the title weighted 4:1, scope and kind on the join.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Integer, String, TextualSelect, bindparam, text
from sqlalchemy.types import TypeEngine

from bot.store.repositories.base import per_dialect
from bot.store.search_tables import PUBLIC_SCOPE
from bot.store.types import UtcDateTime

MAX_TERMS = 16
KEEP_TERMS = 6
COMMON_SHARE = 0.05
SMALL_CORPUS = 5000
MAX_MATCHES = 3000
_TERM = re.compile(r"[^\W_]+")
_TYPES: dict[str, TypeEngine[Any]] = {"id": Integer(), "team_id": String(), "recency_at": UtcDateTime()}

PG_LEXICAL = """
WITH total AS (
    SELECT coalesce((SELECT ndoc FROM search_term_stats WHERE word = ''), 0) AS n
), terms AS (
    SELECT t.lexeme, coalesce(s.ndoc, 0) AS ndoc, row_number() OVER (ORDER BY coalesce(s.ndoc, 0), t.lexeme) AS rn
    FROM unnest(to_tsvector('english', :words)) AS t
    LEFT JOIN search_term_stats s ON s.word = t.lexeme
), q AS (
    SELECT
        (SELECT string_agg(quote_literal(terms.lexeme), ' | ')::tsquery FROM terms, total
         WHERE total.n < :small OR (terms.rn <= :keep AND (terms.rn = 1 OR terms.ndoc <= :common * total.n))) AS find,
        (SELECT string_agg(quote_literal(terms.lexeme), ' | ')::tsquery FROM terms) AS score
)
SELECT m.id, m.team_id, m.kind, m.ref, m.title, m.body, m.recency_at, ts_rank(m.search_tsv, q.score) AS rank
FROM q, LATERAL (
    SELECT d.id, d.team_id, d.scope, d.kind, d.ref, d.title, d.body, d.recency_at, d.search_tsv
    FROM search_documents d
    WHERE d.search_tsv @@ (q.find && CAST(:markers AS tsquery))
    LIMIT :cap
) m
WHERE m.scope IN (:team, 'public') AND m.kind IN :kinds
ORDER BY rank DESC, m.id
LIMIT :limit
"""

SQLITE_LEXICAL = """
SELECT d.id, d.team_id, d.kind, d.ref, d.title, d.body, d.recency_at, -bm25(search_fts, 4.0, 1.0) AS rank
FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
WHERE search_fts MATCH :words AND d.scope IN (:team, 'public') AND d.kind IN :kinds
ORDER BY rank DESC, d.id
LIMIT :limit
"""


def fts_terms(words: Sequence[str]) -> list[str]:
    """Words safe to put in a full-text query: letters and digits only, lower case, distinct, at most 16."""
    found = [t.lower() for w in words for t in _TERM.findall(w)]
    return list(dict.fromkeys(found))[:MAX_TERMS]


@per_dialect
def lexical_statement(dialect: str) -> TextualSelect:
    """The lexical top-k statement of the dialect (built once)."""
    sql = PG_LEXICAL if dialect == "postgresql" else SQLITE_LEXICAL
    return text(sql).bindparams(bindparam("kinds", expanding=True)).columns(**_TYPES)


def _lexeme(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'"


def markers(scope: str, kinds: Collection[str]) -> str:
    """The tsquery text matching the marker lexemes of the scope (and the public one) and of any of the kinds."""
    scopes = " | ".join(_lexeme(f"~s:{s}") for s in dict.fromkeys((scope, PUBLIC_SCOPE)))
    wanted = " | ".join(_lexeme(f"~k:{k}") for k in sorted(kinds))
    return f"({scopes}) & ({wanted})"


def lexical_params(
    dialect: str, scope: str, terms: list[str], kinds: Collection[str], limit: int, small: int = SMALL_CORPUS
) -> dict[str, Any]:
    """Parameters of ``lexical_statement`` for these (already safe) terms; rare-word pruning from ``small``
    documents on."""
    params: dict[str, Any] = {"team": scope, "kinds": sorted(kinds), "limit": limit}
    if dialect != "postgresql":
        return params | {"words": " OR ".join(f'"{t}"' for t in terms)}
    return params | {
        "words": " ".join(terms),
        "markers": markers(scope, kinds),
        "small": small,
        "keep": KEEP_TERMS,
        "common": COMMON_SHARE,
        "cap": MAX_MATCHES,
    }

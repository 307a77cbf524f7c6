"""How a candidate is scored: semantic similarity, keyword overlap and recency, combined (domain §6).

``composite = 0.5 * semantic + 0.3 * keyword + 0.2 * recency``; a flow matches a problem description when the
composite is above 0.5.

* ``semantic``: cosine similarity of the query and document vectors, clamped to 0..1.
* ``keyword``: 0..1, the mean of two shares: of the query's words found in the document, and of the document
  title's words found in the query (a long description that names a flow's title still scores well). Words are
  folded as in ``bot.flows.search`` (lower case, stop words out, plurals and -ing/-ed folded).
* ``recency``: ``0.5 ** (age / half_life)`` of the document's recency time (a session's resolution, a flow's last
  text change), 1 for "now".

Without embeddings (no Voyage key, or the service failed for this call) there is no semantic score. The keyword
score then stands in for it: ``composite = 0.8 * keyword + 0.2 * recency`` (the weights still sum to 1 and the
threshold stays 0.5, so a match needs keyword > 0.375 even for a brand-new flow, and > 0.625 for an old one).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from bot.flows.search import STOP, terms

SEMANTIC, KEYWORD, RECENCY = 0.5, 0.3, 0.2
MATCH_THRESHOLD = 0.5
HALF_LIFE_DAYS = 90.0
SEARCH_FLOOR_SEMANTIC = 0.3  # a search hit needs a shared word or at least this similarity
MAX_QUERY_WORDS = 16
SCORED_BODY_CHARS = 3000
_WORD = re.compile(r"[a-z0-9]+")


def query_words(text: str) -> list[str]:
    """The words to look up in full text: lower case, no stop words, distinct, at most 16 (the database stems)."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def query_terms(text: str) -> frozenset[str]:
    """The folded words of a query, for ``keyword_score``."""
    return frozenset(terms(text))


def keyword_score(wanted: Collection[str], title: str, body: str) -> float:
    """0..1: how well the document's words and the query's overlap (see the module docstring)."""
    if not wanted:
        return 0.0
    title_terms = set(terms(title))
    found = title_terms | set(terms(body[:SCORED_BODY_CHARS]))
    query_share = sum(1 for t in wanted if t in found) / len(wanted)
    title_share = len(title_terms & set(wanted)) / len(title_terms) if title_terms else 0.0
    return round((query_share + title_share) / 2, 6)


def recency_score(at: datetime, now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """1 for now, 0.5 after one half-life, tending to 0; a time in the future counts as now."""
    age_days = max(0.0, (now - at).total_seconds() / 86400)
    return float(0.5 ** (age_days / half_life_days)) if half_life_days > 0 else 0.0


def composite(semantic: float | None, keyword: float, recency: float) -> float:
    """The weighted score; ``semantic`` None means lexical-only (the keyword score takes the semantic weight)."""
    if semantic is None:
        return (SEMANTIC + KEYWORD) * keyword + RECENCY * recency
    return SEMANTIC * min(1.0, max(0.0, semantic)) + KEYWORD * keyword + RECENCY * recency


def snippet(body: str, words: Collection[str], width: int = 200) -> str:
    """About ``width`` characters of ``body`` around the first query word it contains (else its start)."""
    flat = " ".join(body.split())
    if len(flat) <= width:
        return flat
    lower = flat.lower()
    hits = [i for i in (lower.find(w) for w in words if w) if i >= 0]
    start = max(0, min(hits) - width // 4) if hits else 0
    if start:
        start = flat.rfind(" ", 0, start) + 1
    piece = flat[start : start + width]
    cut = piece.rfind(" ")
    piece = piece[:cut] if cut > width // 2 else piece
    return ("…" if start else "") + piece + ("…" if start + len(piece) < len(flat) else "")

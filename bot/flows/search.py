"""Keyword search over flows, and close matches for mistyped flow names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from bot.flows.model import Flow

_WORD = re.compile(r"[a-z0-9]+")
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "cannot",
        "cant",
        "does",
        "doesnt",
        "dont",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "user",
        "users",
        "wont",
        "will",
        "with",
        "won",
        "t",
        "s",
    ]
)
# field -> weight
WEIGHTS = {"key": 3.0, "name": 3.0, "keywords": 2.5, "tags": 2.0, "category": 1.0, "description": 1.0}


def terms(text: str) -> list[str]:
    """Lower-case words without stop words, plurals folded ("printers" -> "printer")."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in STOP:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def _fields(flow: Flow) -> dict[str, set[str]]:
    return {
        "key": set(terms(flow.key.replace("-", " "))),
        "name": set(terms(flow.name)),
        "keywords": set(terms(" ".join(flow.keywords))),
        "tags": set(terms(" ".join(flow.tags))),
        "category": set(terms(flow.category)),
        "description": set(terms(flow.description)),
    }


def score(flow: Flow, query_terms: Sequence[str]) -> float:
    """0..1: the weighted share of query words found in the flow's fields (prefix matches count half)."""
    if not query_terms:
        return 0.0
    fields = _fields(flow)
    best_total = sum(WEIGHTS.values())
    total = 0.0
    for term in query_terms:
        hit = 0.0
        for name, words in fields.items():
            if term in words:
                hit += WEIGHTS[name]
            elif len(term) >= 3 and any(w.startswith(term) or term.startswith(w) for w in words if len(w) >= 3):
                hit += WEIGHTS[name] / 2
        total += min(hit, best_total) / best_total
    raw = total / len(query_terms)
    return round(min(1.0, raw * 2.5), 4)


def search(flows: Iterable[Flow], query: str, limit: int = 5) -> list[tuple[Flow, float]]:
    """Flows ranked for free words; only matches above zero, best first."""
    query_terms = terms(query)
    ranked = [(f, score(f, query_terms)) for f in flows]
    ranked = [(f, s) for f, s in ranked if s > 0]
    ranked.sort(key=lambda pair: (-pair[1], pair[0].key))
    return ranked[:limit]


def close_matches(word: str, flows: Iterable[Flow], n: int = 3) -> list[str]:
    """Flow keys that look like ``word`` (by key or name)."""
    flows = list(flows)
    by_name = {f.name.lower(): f.key for f in flows}
    keys = [f.key for f in flows]
    found = difflib.get_close_matches(word.lower(), keys, n=n, cutoff=0.5)
    found += [by_name[m] for m in difflib.get_close_matches(word.lower(), list(by_name), n=n, cutoff=0.5)]
    seen: list[str] = []
    for key in found:
        if key not in seen:
            seen.append(key)
    return seen[:n]

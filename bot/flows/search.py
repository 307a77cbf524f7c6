"""Keyword search over flows, and close matches for mistyped flow names.

Light text folding only: lower case, punctuation stripped, stop words dropped, plurals and ``-ing``/``-ed``
endings folded ("printers" -> "printer", "syncing" -> "sync"). Each query word counts by how rare it is across
the flows searched, so a word every flow shares ranks less than a distinctive one.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable

from bot.flows.model import Flow

_WORD = re.compile(r"[a-z0-9]+")
STOP = frozenset(
    """
    a about after again all an and any are as at be but by can cannot cant could does doesn doesnt don dont for
    from get gets got had has have help how i in is isn isnt it its keeps me my need no not of on or our out
    please problem problems issue issues s since still t the their them there they this to up user users wont
    will with won work working what when why
    """.split()  # noqa: SIM905
)
# how much a match in each field counts (the best field wins)
WEIGHTS = {"key": 1.0, "name": 1.0, "keywords": 0.9, "tags": 0.8, "category": 0.5, "description": 0.4}
PREFIX = 0.5  # share of the field weight for a prefix match ("print" ~ "printer")


def fold(word: str) -> str:
    """Fold one lower-case word: plurals and ``-ing``/``-ed`` endings (``"syncing"`` -> ``"sync"``)."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def terms(text: str) -> list[str]:
    """Lower-case folded words without stop words, in order (``"The printers are offline!"`` ->
    ``["printer", "offline"]``)."""
    return [fold(w) for w in _WORD.findall(text.lower()) if w not in STOP]


def _fields(flow: Flow) -> dict[str, set[str]]:
    return {
        "key": set(terms(flow.key.replace("-", " "))),
        "name": set(terms(flow.name)),
        "keywords": set(terms(" ".join(flow.keywords))),
        "tags": set(terms(" ".join(flow.tags))),
        "category": set(terms(flow.category)),
        "description": set(terms(flow.description)),
    }


def _related(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a))


def match(term: str, fields: dict[str, set[str]]) -> float:
    """0..1: how well one query term matches a flow's fields (the best field counts)."""
    best = 0.0
    for name, words in fields.items():
        if term in words:
            best = max(best, WEIGHTS[name])
        elif any(_related(term, w) for w in words):
            best = max(best, WEIGHTS[name] * PREFIX)
    return best


def search(flows: Iterable[Flow], query: str, limit: int = 5) -> list[tuple[Flow, float]]:
    """Flows ranked for free words, best first, with scores in 0..1; flows scoring 0 are left out.

    A score is the rarity-weighted share of the query words the flow matches (by key, name, keywords, tags,
    category and description). Words no flow knows count once, so one stray word does not sink a good match.
    """
    pool = list(flows)
    query_terms = list(dict.fromkeys(terms(query)))
    if not pool or not query_terms:
        return []
    fields = [_fields(f) for f in pool]
    matches = [[match(t, fs) for t in query_terms] for fs in fields]
    weights = []
    for i in range(len(query_terms)):
        found_in = sum(1 for row in matches if row[i] > 0)
        weights.append(1 + math.log((len(pool) + 1) / (found_in + 1)) if found_in else 1.0)
    total = sum(weights)
    ranked = []
    for flow, row in zip(pool, matches, strict=True):
        score = round(sum(w * m for w, m in zip(weights, row, strict=True)) / total, 4)
        if score > 0:
            ranked.append((flow, min(score, 1.0)))
    ranked.sort(key=lambda pair: (-pair[1], pair[0].key))
    return ranked[:limit]


def close_matches(word: str, flows: Iterable[Flow], n: int = 3) -> list[str]:
    """Keys of flows whose key or name looks like ``word`` (for "unknown flow — did you mean …?")."""
    pool = list(flows)
    wanted = word.lower().strip()
    if not wanted:
        return []
    found = [f.key for f in pool if len(wanted) >= 3 and (wanted in f.key or wanted in f.name.lower())]
    found += difflib.get_close_matches(wanted, [f.key for f in pool], n=n, cutoff=0.6)
    by_name = {f.name.lower(): f.key for f in pool}
    found += [by_name[m] for m in difflib.get_close_matches(wanted, list(by_name), n=n, cutoff=0.6)]
    return list(dict.fromkeys(found))[:n]

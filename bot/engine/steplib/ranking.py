"""Ranking library steps: Wilson lower bound of the thumbs, word overlap for search, and the alternatives offered
when a step failed (same category, shared tags, or similar words; best-rated first). Offline: no model involved."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from bot.engine.steplib.records import LibraryStep

Z = 1.96  # 95% confidence
_WORD = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_STOP = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "check", "for", "from", "if", "in", "is", "it", "of", "on",
     "or", "the", "then", "this", "to", "with"}
)  # fmt: skip


def wilson(up: int, down: int, z: float = Z) -> float:
    """The lower bound of the Wilson score interval of the share of thumbs up (0 with no ratings): few ratings count
    for little, so 3 of 3 ranks below 45 of 50."""
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - spread) / (1 + z * z / n)


def words(text: str) -> set[str]:
    """The meaningful lower-cased words of ``text``."""
    return {w.strip(".-") for w in _WORD.findall(text.lower())} - _STOP - {""}


def _step_words(step: LibraryStep) -> set[str]:
    return words(" ".join((step.title, step.content, step.category, " ".join(step.tags))))


def score(step: LibraryStep) -> float:
    """How well rated a step is (the Wilson lower bound)."""
    return wilson(step.up_count, step.down_count)


def search(steps: Iterable[LibraryStep], text: str, tags: Sequence[str] = ()) -> list[LibraryStep]:
    """Steps carrying every tag in ``tags`` and sharing a word with ``text`` (any, if ``text`` is empty); most
    shared words first, then best rated, then most used."""
    query = words(text)
    wanted = {t.lower() for t in tags}
    ranked: list[tuple[int, float, int, LibraryStep]] = []
    for step in steps:
        if not wanted <= {t.lower() for t in step.tags}:
            continue
        shared = len(query & _step_words(step))
        if query and not shared:
            continue
        ranked.append((shared, score(step), step.usage_count, step))
    ranked.sort(key=lambda r: (-r[0], -r[1], -r[2], r[3].title))
    return [r[3] for r in ranked]


def top(steps: Iterable[LibraryStep], category: str = "") -> list[LibraryStep]:
    """Best-rated steps (of ``category``, if given), then most used."""
    chosen = [s for s in steps if not category or s.category.lower() == category.lower()]
    return sorted(chosen, key=lambda s: (-score(s), -s.usage_count, s.title))


def relevance(step: LibraryStep, category: str, tags: Iterable[str], text: str) -> float:
    """How close ``step`` is to a failed step: same category (1), each shared tag (1), shared words (Jaccard)."""
    mine = {t.lower() for t in step.tags}
    value = float(bool(category) and step.category.lower() == category.lower())
    value += len(mine & {t.lower() for t in tags})
    query, theirs = words(text), _step_words(step)
    if query and theirs:
        value += len(query & theirs) / len(query | theirs)
    return value


def alternatives(
    steps: Iterable[LibraryStep],
    *,
    exclude: Iterable[str],
    category: str,
    tags: Sequence[str],
    text: str,
    limit: int = 3,
    min_relevance: float = 0.15,
) -> list[LibraryStep]:
    """Steps for the same problem as a failed one (not ``exclude`` ids), best rated first, then the closest."""
    skip = set(exclude)
    found = [(relevance(s, category, tags, text), s) for s in steps if s.id not in skip]
    close = [(r, s) for r, s in found if r >= min_relevance and s.down_count <= s.up_count + 2]
    close.sort(key=lambda rs: (-score(rs[1]), -rs[0], -rs[1].usage_count, rs[1].title))
    return [s for _, s in close[:limit]]

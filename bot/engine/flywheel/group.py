"""Group similar sessions: by the node they left a flow at, and, for free-form sessions, by similarity.

Similarity is the cosine of the sessions' embeddings when the retriever can embed (``TextEmbedder``, Voyage), with
``EMBEDDING_THRESHOLD``; otherwise (offline) the cosine of their keyword counts, with ``LEXICAL_THRESHOLD``. A session
joins the group it is most similar to on average, if that clears the threshold, else it starts a group. A group
counts with ``MIN_GROUP`` sessions, or with one session whose fix worked (``validated_by_outcome``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot.engine.flywheel.records import Digest, Group

EMBEDDING_THRESHOLD = 0.80
LEXICAL_THRESHOLD = 0.30
MIN_GROUP = 2
MAX_TERMS = 8
WORD = re.compile(r"[a-z][a-z0-9\-]{2,}")
STOP_WORDS = """the and for with that this from was were are has have had not but its it's into out off our your their
they them then than when what which who why how can could would should will just also only over under after before
again still very more most some any all each every one two user users engineer issue problem problems session fixed
fix works worked working work did does done get got set see seen use used using now new old need needs checked check
tried try able unable cannot can't won't doesn't didn't isn't there here about because while resolved resolution
step steps note notes asked said told confirmed confirm"""
STOP = frozenset(STOP_WORDS.split())


@runtime_checkable
class TextEmbedder(Protocol):
    """A retriever that can embed texts for similarity (``bot.app.pilot.Knowledge`` with Voyage configured)."""

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]] | None:
        """One vector per text, or None when no embedding model is configured."""
        ...


def terms(text: str) -> Counter[str]:
    """Keyword counts of ``text``: lower-case words of three letters or more, no stop words, plural ``s`` dropped."""
    words = (w[:-1] if len(w) > 4 and w.endswith("s") and w[-2] not in "siu" else w for w in WORD.findall(text.lower()))
    return Counter(w for w in words if w not in STOP)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of two vectors (0 when either is zero)."""
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def lexical(a: Counter[str], b: Counter[str]) -> float:
    """The cosine of two keyword counts."""
    dot = sum(n * b[w] for w, n in a.items() if w in b)
    norm = math.sqrt(sum(n * n for n in a.values())) * math.sqrt(sum(n * n for n in b.values()))
    return dot / norm if norm else 0.0


def top_terms(digests: Sequence[Digest], limit: int = MAX_TERMS) -> list[str]:
    """The words the group's sessions share most (a word counts once per session), then the most frequent."""
    shared: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for d in digests:
        counts = terms(d.text)
        shared.update(set(counts))
        total.update(counts)
    return sorted(shared, key=lambda w: (-shared[w], -total[w], w))[:limit]


def cluster(digests: Sequence[Digest], vectors: Sequence[Sequence[float]] | None) -> list[list[Digest]]:
    """Free-form sessions in groups of similar ones (in the order the groups were started)."""
    counts = [terms(d.text) for d in digests]
    threshold = EMBEDDING_THRESHOLD if vectors is not None else LEXICAL_THRESHOLD

    def similarity(i: int, j: int) -> float:
        if vectors is not None:
            return cosine(vectors[i], vectors[j])
        return lexical(counts[i], counts[j])

    groups: list[list[int]] = []
    for i in range(len(digests)):
        scored = [(sum(similarity(i, j) for j in g) / len(g), n) for n, g in enumerate(groups)]
        best = max(scored, default=(0.0, -1))
        if best[0] >= threshold:
            groups[best[1]].append(i)
        else:
            groups.append([i])
    return [[digests[i] for i in g] for g in groups]


def counts(group: Group) -> bool:
    """Whether a group is worth a proposal."""
    return len(group.digests) >= MIN_GROUP or group.validated


def group_sessions(digests: Sequence[Digest], vectors: Sequence[Sequence[float]] | None = None) -> list[Group]:
    """Every group worth a proposal: guided sessions by (flow, node) where they left it, free-form ones by
    similarity (``vectors``: one embedding per digest, in order; None for keyword similarity)."""
    branches: dict[tuple[str, str], list[Digest]] = {}
    free: list[int] = []
    for i, d in enumerate(digests):
        if d.flow_key:
            branches.setdefault((d.flow_key, d.node_id), []).append(d)
        else:
            free.append(i)
    groups = [Group(items, flow_key=key, node_id=node) for (key, node), items in branches.items()]
    free_vectors = [vectors[i] for i in free] if vectors is not None else None
    groups += [Group(items) for items in cluster([digests[i] for i in free], free_vectors)]
    return [g for g in groups if counts(g)]


def signature(group: Group, base: str = "") -> str:
    """Stable for the same group: a branch by flow, the version it is drafted on (``base``, e.g. ``team-3``) and
    node; a new flow by its sessions."""
    if group.flow_key:
        return f"branch:{group.flow_key}@{base}:{group.node_id}"[:200]
    ids = ",".join(sorted(d.session_id for d in group.digests))
    return "new:" + hashlib.sha256(ids.encode()).hexdigest()[:32]


def similar_terms(a: Sequence[str], b: Sequence[str]) -> float:
    """How much two term lists overlap (Jaccard), to match a new group with a pending proposal of earlier nights."""
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) if left and right else 0.0

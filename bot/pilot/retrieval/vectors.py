"""An in-memory vector matrix per scope (each team, and the public flows), for exact cosine search with numpy.

A team's query scans its own matrix and the public one (public flows are held once, not per team). Rows are
float32 unit vectors, so memory is ``rows × dims × 4`` bytes (256 dims: 1 KiB a row, 100k rows ≈ 100 MB); the
total is bounded by ``max_vectors``: least recently used scopes are dropped first, and a team that cannot fit at
all gets ``None`` (the caller then scores only its lexical candidates, reading their vectors from the store).

Freshness: a scope is re-read incrementally (rows written since the newest ``updated_at`` seen, minus a margin for
transactions that committed late) at most every ``refresh_seconds``; ``touch`` forces that on the next query (the
local indexer calls it after writing) and a full reload every ``full_reload_seconds`` (or after ``drop``) catches
deleted rows. Scopes load under a per-scope lock, so concurrent queries don't load the same scope twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from bot.pilot.retrieval.ports import SearchStore, StoredVector, Vectors

PUBLIC = "public"
KIND_CODES = {"flow": 0, "step": 1, "session": 2}
GONE = -1  # a row whose vector was cleared or replaced by one of another model
MARGIN = timedelta(seconds=5)
Ids = np.ndarray[Any, np.dtype[np.int64]]
Codes = np.ndarray[Any, np.dtype[np.int8]]


@dataclass
class ScopeVectors:
    """One scope's vectors: ``ids[i]`` and ``kinds[i]`` describe ``matrix[i]``."""

    ids: Ids
    kinds: Codes
    matrix: Vectors
    rows: dict[int, int] = field(default_factory=dict)
    high_water: datetime | None = None
    checked: float = 0.0
    loaded: float = 0.0

    def __len__(self) -> int:
        return len(self.ids)


def decode(blob: bytes, dims: int) -> Vectors | None:
    """A stored little-endian float32 vector, or None if it has the wrong length."""
    vector = np.frombuffer(blob, dtype="<f4")
    return vector.astype(np.float32) if vector.shape == (dims,) else None


def _build(rows: Sequence[StoredVector], dims: int) -> ScopeVectors:
    kept = [(r, v) for r in rows if r.embedding and (v := decode(r.embedding, dims)) is not None]
    matrix = np.vstack([v for _, v in kept]).astype(np.float32) if kept else np.zeros((0, dims), np.float32)
    ids = np.fromiter((r.id for r, _ in kept), dtype=np.int64, count=len(kept))
    kinds = np.fromiter((KIND_CODES.get(r.kind, GONE) for r, _ in kept), dtype=np.int8, count=len(kept))
    high = max((r.updated_at for r in rows), default=None)
    return ScopeVectors(ids, kinds, matrix, {int(i): n for n, i in enumerate(ids)}, high)


def _merge(scope: ScopeVectors, rows: Sequence[StoredVector], dims: int) -> None:
    fresh: list[tuple[StoredVector, Vectors]] = []
    for r in rows:
        vector = decode(r.embedding, dims) if r.embedding else None
        at = scope.rows.get(r.id)
        if at is not None:
            if vector is None:
                scope.kinds[at] = GONE
            else:
                scope.matrix[at], scope.kinds[at] = vector, KIND_CODES.get(r.kind, GONE)
        elif vector is not None:
            fresh.append((r, vector))
    if fresh:
        extra = _build([r for r, _ in fresh], dims)
        base = len(scope.ids)
        scope.ids = np.concatenate([scope.ids, extra.ids])
        scope.kinds = np.concatenate([scope.kinds, extra.kinds])
        scope.matrix = np.vstack([scope.matrix, extra.matrix])
        scope.rows.update({int(i): base + n for n, i in enumerate(extra.ids)})
    newest = max((r.updated_at for r in rows), default=None)
    if newest is not None and (scope.high_water is None or newest > scope.high_water):
        scope.high_water = newest


class VectorCache:
    """Cached vectors of one model and size, per scope (see the module docstring)."""

    def __init__(
        self,
        store: SearchStore,
        model: str,
        dims: int,
        *,
        max_vectors: int = 300_000,
        refresh_seconds: float = 5.0,
        full_reload_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self.model, self.dims = store, model, dims
        self.max_vectors = max_vectors
        self._refresh, self._reload, self._clock = refresh_seconds, full_reload_seconds, clock
        self._scopes: OrderedDict[str, ScopeVectors] = OrderedDict()
        self._too_big: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def size(self) -> int:
        """Vectors held, all scopes together."""
        return sum(len(s) for s in self._scopes.values())

    @property
    def nbytes(self) -> int:
        """Bytes held by the matrices."""
        return sum(s.matrix.nbytes for s in self._scopes.values())

    def touch(self, scope: str) -> None:
        """Re-read what changed in ``scope`` on its next use."""
        if scope in self._scopes:
            self._scopes[scope].checked = 0.0
        self._too_big.pop(scope, None)

    def drop(self, scope: str) -> None:
        """Forget ``scope`` (it is loaded in full on its next use)."""
        self._scopes.pop(scope, None)
        self._too_big.pop(scope, None)

    async def scores(
        self, team_id: str, query: Vectors, kinds: Collection[str], top: int, also: Collection[int] = ()
    ) -> dict[int, float] | None:
        """Cosine similarity of the best ``top`` rows of these kinds visible to the team, plus of the ``also``
        rows it holds; None when the team's vectors do not fit in ``max_vectors``."""
        names = [PUBLIC] if not team_id or team_id == PUBLIC else [team_id, PUBLIC]
        scopes = [await self._get(n, keep=names) for n in names]
        if any(s is None for s in scopes):
            return None
        codes = np.array([KIND_CODES[k] for k in kinds if k in KIND_CODES], dtype=np.int8)
        best: list[tuple[float, int]] = []
        extra: dict[int, float] = {}
        for scope in scopes:
            assert scope is not None
            if not len(scope):
                continue
            sims = scope.matrix @ query.astype(np.float32)
            sims[~np.isin(scope.kinds, codes)] = -np.inf
            n = min(top, len(sims))
            for i in np.argpartition(-sims, n - 1)[:n] if n else ():
                if np.isfinite(sims[i]):
                    best.append((float(sims[i]), int(scope.ids[i])))
            for ident in also:
                at = scope.rows.get(ident)
                if at is not None and np.isfinite(sims[at]):
                    extra[ident] = float(sims[at])
        best.sort(reverse=True)
        return {ident: score for score, ident in best[:top]} | extra

    async def _get(self, name: str, keep: Sequence[str]) -> ScopeVectors | None:
        now = self._clock()
        if now - self._too_big.get(name, -1e18) < self._reload:
            return None
        scope = self._scopes.get(name)
        if scope is not None and now - scope.checked < self._refresh:
            self._scopes.move_to_end(name)
            return scope
        async with self._locks.setdefault(name, asyncio.Lock()):
            scope = self._scopes.get(name)
            now = self._clock()
            if scope is None or now - scope.loaded >= self._reload or scope.high_water is None:
                scope = _build(await self._store.vectors(name, self.model, self.dims), self.dims)
                scope.loaded = now
            elif now - scope.checked >= self._refresh:
                since = scope.high_water - MARGIN
                _merge(scope, await self._store.vectors(name, self.model, self.dims, since), self.dims)
            scope.checked = now
            self._scopes[name] = scope
            self._scopes.move_to_end(name)
            return self._fit(name, keep)

    def _fit(self, name: str, keep: Sequence[str]) -> ScopeVectors | None:
        for other in list(self._scopes):
            if self.size <= self.max_vectors:
                break
            if other not in keep:
                del self._scopes[other]
        if self.size > self.max_vectors:
            self._scopes.pop(name, None)
            self._too_big[name] = self._clock()
            return None
        return self._scopes[name]

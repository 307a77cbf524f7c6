"""An in-memory vector matrix per scope (each team, and the public flows), for exact cosine search with numpy.

A team's query scans its own matrix and the public one (public flows are held once, not per team). Rows are
float32 unit vectors, so memory is ``rows × dims × 4`` bytes (256 dims: 1 KiB a row, 100k rows ≈ 100 MB); the
total is bounded by ``max_vectors``: least recently used scopes are dropped first, and a team that cannot fit at
all gets ``None`` (the caller then scores only its lexical candidates, reading their vectors from the store).

Freshness: a scope is re-read incrementally at most every ``refresh_seconds`` (the rows written since the previous
read began, minus ``MARGIN`` for transactions that committed late or clocks slightly apart); ``touch`` forces that on
the next query (the local indexer calls it after writing). Deleted rows are caught by a full reload, done in the
background while queries keep using the loaded matrix: every ``full_reload_seconds``, or soon after ``reload`` (the
local indexer calls it after removing documents). Only a scope's first load happens on a query's path (``warm``
avoids that); loads run under a per-scope lock, so concurrent queries don't load the same scope twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from bot.pilot.retrieval.ports import SearchStore, StoredVector, Vectors

log = logging.getLogger(__name__)
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
    read_at: datetime | None = None  # wall-clock start of the last read: the next delta reads from here - MARGIN
    checked: float = 0.0
    loaded: float = 0.0

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Probe:
    """One query scored against a team's vectors."""

    top: dict[int, float]
    scored: list[tuple[ScopeVectors, Vectors]]

    def scores_of(self, ids: Collection[int]) -> dict[int, float]:
        """Scores of these rows (rows not held, or of other kinds, are left out)."""
        found: dict[int, float] = {}
        for ident in ids:
            for scope, sims in self.scored:
                at = scope.rows.get(ident)
                if at is not None and at < len(sims) and np.isfinite(sims[at]):
                    found[ident] = float(sims[at])
        return found


def decode(blob: bytes, dims: int) -> Vectors | None:
    """A stored little-endian float32 vector, or None if it has the wrong length."""
    vector = np.frombuffer(blob, dtype="<f4")
    return vector.astype(np.float32) if vector.shape == (dims,) else None


def _build(rows: Sequence[StoredVector], dims: int) -> ScopeVectors:
    kept = [(r, v) for r in rows if r.embedding and (v := decode(r.embedding, dims)) is not None]
    matrix = np.vstack([v for _, v in kept]).astype(np.float32) if kept else np.zeros((0, dims), np.float32)
    ids = np.fromiter((r.id for r, _ in kept), dtype=np.int64, count=len(kept))
    kinds = np.fromiter((KIND_CODES.get(r.kind, GONE) for r, _ in kept), dtype=np.int8, count=len(kept))
    return ScopeVectors(ids, kinds, matrix, {int(i): n for n, i in enumerate(ids)})


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
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store, self.model, self.dims = store, model, dims
        self.max_vectors = max_vectors
        self._refresh, self._reload, self._clock, self._wall = refresh_seconds, full_reload_seconds, clock, wall_clock
        self._scopes: OrderedDict[str, ScopeVectors] = OrderedDict()
        self._too_big: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: dict[str, asyncio.Task[ScopeVectors | None]] = {}

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

    def reload(self, scope: str) -> None:
        """Reload ``scope`` in full, in the background, on its next use (rows were deleted)."""
        if scope in self._scopes:
            self._scopes[scope].loaded = -1e18
        self._too_big.pop(scope, None)

    async def close(self) -> None:
        """Wait for background reloads to finish."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def probe(self, team_id: str, query: Vectors, kinds: Collection[str], top: int) -> Probe | None:
        """Score every row of these kinds visible to the team: ``Probe.top`` holds the best ``top``, and
        ``Probe.scores_of`` gives any other row's score. None when the team's vectors do not fit in ``max_vectors``."""
        names = [PUBLIC] if not team_id or team_id == PUBLIC else [team_id, PUBLIC]
        scopes = [await self._get(n, keep=names) for n in names]
        if any(s is None for s in scopes):
            return None
        codes = np.array([KIND_CODES[k] for k in kinds if k in KIND_CODES], dtype=np.int8)
        best: list[tuple[float, int]] = []
        scored: list[tuple[ScopeVectors, Vectors]] = []
        for scope in scopes:
            assert scope is not None
            if not len(scope):
                continue
            sims: Vectors = scope.matrix @ query.astype(np.float32)
            sims[~np.isin(scope.kinds, codes)] = -np.inf
            scored.append((scope, sims))
            n = min(top, len(sims))
            for i in np.argpartition(-sims, n - 1)[:n] if n else ():
                if np.isfinite(sims[i]):
                    best.append((float(sims[i]), int(scope.ids[i])))
        best.sort(reverse=True)
        return Probe({ident: score for score, ident in best[:top]}, scored)

    async def scores(
        self, team_id: str, query: Vectors, kinds: Collection[str], top: int, also: Collection[int] = ()
    ) -> dict[int, float] | None:
        """``probe``'s best ``top`` rows plus the scores of the ``also`` rows (None: the team does not fit)."""
        found = await self.probe(team_id, query, kinds, top)
        return None if found is None else found.top | found.scores_of(also)

    async def _get(self, name: str, keep: Sequence[str]) -> ScopeVectors | None:
        now = self._clock()
        if now - self._too_big.get(name, -1e18) < self._reload:
            return None
        scope = self._scopes.get(name)
        if scope is None:
            return await self._load(name, keep, full=True)
        self._scopes.move_to_end(name)
        if name not in self._tasks and now - scope.loaded >= self._reload:
            task = asyncio.create_task(self._background(name, keep))
            self._tasks[name] = task
            task.add_done_callback(lambda _: self._tasks.pop(name, None))
        if name in self._tasks or now - scope.checked < self._refresh:
            return scope  # a full reload is under way, or the scope is fresh enough
        return await self._load(name, keep, full=False)

    async def _background(self, name: str, keep: Sequence[str]) -> ScopeVectors | None:
        try:
            return await self._load(name, keep, full=True)
        except Exception:  # the loaded matrix stays in use; the next query tries again
            log.warning("reloading the vectors of %s failed", name, exc_info=True)
            return None

    async def _load(self, name: str, keep: Sequence[str], full: bool) -> ScopeVectors | None:
        async with self._locks.setdefault(name, asyncio.Lock()):
            scope, now, started = self._scopes.get(name), self._clock(), self._wall()
            if scope is None or (full and now - scope.loaded >= self._reload):
                scope = _build(await self._store.vectors(name, self.model, self.dims), self.dims)
                scope.loaded = now
            elif now - scope.checked >= self._refresh and scope.read_at is not None:
                since = scope.read_at - MARGIN
                _merge(scope, await self._store.vectors(name, self.model, self.dims, since), self.dims)
            else:
                return scope
            scope.checked, scope.read_at = now, started
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

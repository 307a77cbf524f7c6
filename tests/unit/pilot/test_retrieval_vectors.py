"""``VectorCache``: exact top-k per team plus public, kinds, incremental refresh, tombstones, the memory bound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from bot.pilot.retrieval.vectors import VectorCache

T0 = datetime(2026, 11, 25, tzinfo=UTC)
DIMS = 4


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    updated_at: datetime
    embedding: bytes | None


def vec(*values: float) -> bytes:
    v = np.array(values, dtype="<f4")
    return (v / np.linalg.norm(v)).astype("<f4").tobytes()


class Store:
    """Just ``vectors``: rows per scope, counting loads."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = {}
        self.calls: list[tuple[str, datetime | None]] = []

    def reads(self, scope: str) -> list[datetime | None]:
        """The ``since`` of each read of ``scope`` (None: a full load)."""
        return [since for name, since in self.calls if name == scope]

    def put(self, scope: str, row: Row) -> None:
        self.rows.setdefault(scope, [])
        self.rows[scope] = [r for r in self.rows[scope] if r.id != row.id] + [row]

    async def vectors(self, scope: str, model: str, dims: int, since: datetime | None = None) -> list[Row]:
        self.calls.append((scope, since))
        rows = self.rows.get(scope, [])
        return [r for r in rows if r.embedding] if since is None else [r for r in rows if r.updated_at > since]


class Clock:
    """Monotonic seconds; ``wall`` is T0 plus as many seconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return T0 + timedelta(seconds=self.now)


def cache(store: Store, clock: Clock, **options: Any) -> VectorCache:
    return VectorCache(store, "m", DIMS, clock=clock, wall_clock=clock.wall, **options)  # type: ignore[arg-type]


QUERY = np.frombuffer(vec(1, 0, 0, 0), dtype="<f4")


async def test_top_k_covers_the_team_and_public_and_respects_kinds() -> None:
    store, clock = Store(), Clock()
    store.put("team-a", Row(1, "session", T0, vec(1, 0, 0, 0)))
    store.put("team-a", Row(2, "session", T0, vec(0, 1, 0, 0)))
    store.put("team-b", Row(3, "session", T0, vec(1, 0, 0, 0)))
    store.put("public", Row(4, "flow", T0, vec(1, 1, 0, 0)))
    c = cache(store, clock)
    found = await c.scores("team-a", QUERY, ["flow", "session"], top=2)
    assert found is not None and set(found) == {1, 4} and abs(found[1] - 1.0) < 1e-6
    assert set(await c.scores("team-a", QUERY, ["flow"], top=5) or {}) == {4}
    assert set(await c.scores("team-a", QUERY, ["session"], top=1, also=[2]) or {}) == {1, 2}
    assert 3 not in (await c.scores("team-a", QUERY, ["flow", "session"], top=10) or {})
    assert set(await c.scores("", QUERY, ["flow", "session"], top=10) or {}) == {4}
    assert c.size == 3 and c.nbytes == 3 * DIMS * 4  # team-a and public; team-b never loaded


async def test_refresh_reads_only_what_changed_and_drops_cleared_vectors() -> None:
    store, clock = Store(), Clock()
    store.put("team-a", Row(1, "session", T0, vec(1, 0, 0, 0)))
    c = cache(store, clock, refresh_seconds=5)
    await c.scores("team-a", QUERY, ["session"], top=5)
    clock.now = 20.0
    store.put("team-a", Row(2, "session", clock.wall(), vec(1, 0.1, 0, 0)))
    store.put("team-a", Row(1, "session", clock.wall(), None))  # text changed, no vector yet
    late = Row(3, "session", T0 - timedelta(seconds=2), vec(1, 0, 0, 0))  # committed late, older timestamp
    store.put("team-a", late)
    assert set(await c.scores("team-a", QUERY, ["session"], top=5) or {}) == {2, 3}
    assert store.reads("team-a") == [None, T0 - timedelta(seconds=5)]  # since the last read began, minus a margin
    clock.now = 21.0
    store.put("team-a", Row(4, "session", clock.wall(), vec(1, 0, 0, 0)))
    assert set(await c.scores("team-a", QUERY, ["session"], top=5) or {}) == {2, 3}  # not refreshed yet
    c.touch("team-a")  # what the local indexer does after writing
    assert set(await c.scores("team-a", QUERY, ["session"], top=5) or {}) == {2, 3, 4}
    assert store.reads("team-a")[2:] == [T0 + timedelta(seconds=15)]  # and only incremental reads


async def test_full_reloads_run_in_the_background() -> None:
    store, clock = Store(), Clock()
    store.put("team-a", Row(1, "session", T0, vec(1, 0, 0, 0)))
    c = cache(store, clock, refresh_seconds=5, full_reload_seconds=100)
    await c.scores("team-a", QUERY, ["session"], top=5)
    store.rows["team-a"] = [Row(2, "session", T0, vec(1, 0, 0, 0))]  # row 1 deleted, row 2 arrived unseen
    c.reload("team-a")
    assert set(await c.scores("team-a", QUERY, ["session"], top=5) or {}) == {1}  # answered from memory
    await c.close()
    assert set(await c.scores("team-a", QUERY, ["session"], top=5) or {}) == {2}
    assert store.reads("team-a") == [None, None]


async def test_the_memory_bound_evicts_other_teams_then_gives_up() -> None:
    store, clock = Store(), Clock()
    for n in range(3):
        store.put("team-a", Row(n, "session", T0, vec(1, n, 0, 0)))
        store.put("team-b", Row(10 + n, "session", T0, vec(1, n, 0, 0)))
    store.put("team-c", Row(20, "session", T0, vec(1, 0, 0, 0)))
    for n in range(6):
        store.put("team-big", Row(30 + n, "session", T0, vec(1, n, 0, 0)))
    c = cache(store, clock, max_vectors=5)
    assert await c.scores("team-a", QUERY, ["session"], top=5) is not None
    assert await c.scores("team-b", QUERY, ["session"], top=5) is not None  # team-a was evicted
    assert c.size == 3
    assert await c.scores("team-big", QUERY, ["session"], top=5) is None
    loads = len(store.calls)
    assert await c.scores("team-big", QUERY, ["session"], top=5) is None and len(store.calls) == loads  # remembered
    assert await c.scores("team-c", QUERY, ["session"], top=5) is not None

"""Retrieval latency on PostgreSQL: search and match_flows, lexical-only and hybrid, against same-run baselines.

A scratch database gets ``BENCH_RETRIEVAL_FLOWS`` flows (default 10,000; about 30% public, the rest spread over
``BENCH_RETRIEVAL_TEAMS`` teams, each with 3-5 steps indexed too) and ``BENCH_RETRIEVAL_SESSIONS`` resolved
sessions (default 50,000), indexed through the real indexer and store with the fake Voyage API's embeddings
computed in-process (no HTTP while loading), then vacuumed and analysed (what autovacuum does soon after a bulk
load; left to run during the queries it would be measured instead of retrieval). Then ``BENCH_RETRIEVAL_QUERIES``
queries (default 500, half short keyword searches, half problem descriptions) run one at a time, as each team: the
hybrid retriever embeds each query with the real client against the fake Voyage server started in this process
(one loopback round trip, as a real query needs one). Prints p50/p95/p99 per operation, the ratio of p95 to the
baselines (a bare ``SELECT 1`` and a plain full-text query), how often the top hit is on the query's topic, the
vector cache's size and the RSS. The scratch database is dropped at the end, also on failure.
Run: ``python -m bench.bench_retrieval``.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import os
import random
import resource
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
import numpy as np
import psycopg
from sqlalchemy import text

from bench import retrieval_corpus as corpus
from bench.figures import Result, Row
from bot.engine.model import Session
from bot.flows.model import Flow
from bot.pilot.retrieval import HybridRetriever
from bot.pilot.voyage import VoyageEmbedder
from bot.store import migrate
from bot.store.database import Database
from bot.store.search_index import SqlSearchIndex
from tests.fakes.voyage_api import DEFAULT_DIMENSION, FakeVoyage, words

FLOWS = int(os.environ.get("BENCH_RETRIEVAL_FLOWS", "10000"))
SESSIONS = int(os.environ.get("BENCH_RETRIEVAL_SESSIONS", "50000"))
QUERIES = int(os.environ.get("BENCH_RETRIEVAL_QUERIES", "500"))
TEAMS = int(os.environ.get("BENCH_RETRIEVAL_TEAMS", "5"))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
MODEL, DIMS, KEY = "voyage-4-lite", DEFAULT_DIMENSION, "pa-bench-key"
TARGET_P95_MS = 50.0


class LocalEmbedder:
    """The fake Voyage API's embedding (hashed bag of words and bigrams), computed in-process and memoized per
    feature, so loading the corpus needs no HTTP; vectors equal what the fake server returns for the same text."""

    model, dims = MODEL, DIMS

    def __init__(self) -> None:
        self._features: dict[str, tuple[int, float]] = {}

    def _feature(self, feature: str) -> tuple[int, float]:
        found = self._features.get(feature)
        if found is None:
            digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
            found = self._features[feature] = (digest % DIMS, 1.0 if digest >> 63 else -1.0)
        return found

    def _one(self, text: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        vector = np.zeros(DIMS, dtype=np.float64)
        tokens = words(text)
        features = [(w, 1.0) for w in tokens] + [(f"{a} {b}", 0.5) for a, b in itertools.pairwise(tokens)]
        for feature, weight in features:
            at, sign = self._feature(feature)
            vector[at] += sign * weight
        norm = float(np.linalg.norm(vector)) or 1.0
        return (vector / norm).astype(np.float32)

    async def embed_documents(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return np.vstack([self._one(t) for t in texts]) if texts else np.zeros((0, DIMS), np.float32)

    async def embed_query(self, text: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        return self._one(text)


class Corpus:
    """What ``reindex_all`` reads: the synthetic flows and sessions."""

    def __init__(self, flows: list[tuple[str | None, Flow]], sessions: list[Session]) -> None:
        self.flows, self.sessions = flows, sessions

    async def published_flows(self) -> list[tuple[str | None, Flow]]:
        return self.flows

    async def resolved_sessions(self, batch: int = 500) -> AsyncIterator[list[Session]]:
        for start in range(0, len(self.sessions), 2000):
            yield self.sessions[start : start + 2000]


async def load(database: Database, store: SqlSearchIndex, rng: random.Random) -> list[str]:
    teams = [f"bench-team-{n}" for n in range(TEAMS)]
    async with database.engine.begin() as conn:
        for team in teams:
            await conn.execute(text("INSERT INTO teams (id, name, created_at) VALUES (:t, :t, now())"), {"t": team})
    flows = corpus.flows(FLOWS, rng)
    owned = [(None if rng.random() < 0.3 else rng.choice(teams), f) for f in flows]
    indexer = HybridRetriever(store, LocalEmbedder())  # type: ignore[arg-type]
    started = time.perf_counter()
    report = await indexer.reindex_all(Corpus(owned, corpus.sessions(SESSIONS, teams, rng)))
    async with database.engine.connect() as conn:  # settle what autovacuum would otherwise do during the queries
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM (ANALYZE) search_documents, search_vectors"))
        rows = (await conn.execute(text("SELECT count(*) FROM search_documents"))).scalar_one()
    print(
        f"  indexed {rows} documents ({FLOWS} flows with their steps, {SESSIONS} sessions, {TEAMS} teams) in "
        f"{time.perf_counter() - started:.1f} s: {report}"
    )
    return teams


def rss_mib() -> float:
    """The process's resident memory now (Linux), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kib / 1024


async def timed(calls: Sequence[Callable[[], Awaitable[object]]]) -> tuple[list[float], list[object]]:
    samples, results = [], []
    for call in calls:
        start = time.perf_counter()
        results.append(await call())
        samples.append((time.perf_counter() - start) * 1000)
    return samples, results


def line(name: str, samples: list[float], baselines: dict[str, float]) -> str:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    p50, p95, p99 = q[49], q[94], q[98]
    ratios = "  ".join(f"p95 = {p95 / b:5.1f}x {k}" for k, b in baselines.items()) if baselines else ""
    mark = "" if not baselines else ("  ok" if p95 <= TARGET_P95_MS else f"  OVER {TARGET_P95_MS:.0f} ms")
    return f"  {name:<28} p50 {p50:6.2f}  p95 {p95:6.2f}  p99 {p99:6.2f} ms  {ratios}{mark}"


async def measure(url: str) -> Result:
    """Load, warm and query the database at ``url``; prints the figures and returns them."""
    rng = random.Random(42)
    result = Result(
        "retrieval",
        "Retrieval (search and flow matching)",
        f"{FLOWS:,} flows + {SESSIONS:,} resolved sessions over {TEAMS} teams on PostgreSQL, {QUERIES} "
        f"queries one at a time, {DIMS}-dim vectors; the hybrid retriever embeds each query against the "
        "loopback fake Voyage server",
    )
    database = Database(url)
    store = SqlSearchIndex(database.engine)
    try:
        teams = await load(database, store, rng)
        queries = corpus.queries(QUERIES, teams, rng)
        async with FakeVoyage(api_key=KEY) as voyage, aiohttp.ClientSession() as http:
            embedder = VoyageEmbedder(KEY, voyage.url, MODEL, DIMS, session=http, max_retries=1)
            lexical, hybrid = HybridRetriever(store), HybridRetriever(store, embedder)
            print(f"  RSS after loading {rss_mib():.0f} MiB")
            started = time.perf_counter()
            await hybrid.warm(teams)
            cache = hybrid.cache
            assert cache is not None
            print(
                f"  vector cache warmed in {time.perf_counter() - started:.2f} s: {cache.size} vectors, "
                f"{cache.nbytes / 2**20:.0f} MiB"
            )

            async def select_one() -> None:
                async with database.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))

            await timed([select_one] * 50)  # warm the pool
            base_sql, _ = await timed([select_one] * QUERIES)
            fts = [lambda t=t, q=q: store.lexical(t, q.split(), ["flow", "step", "session"], 10) for t, q, _ in queries]
            base_fts, _ = await timed(fts)
            baselines = {
                "SELECT 1": statistics.quantiles(base_sql, n=100)[94],
                "plain FTS": statistics.quantiles(base_fts, n=100)[94],
            }
            result.add(
                Row("p95 SELECT 1 (baseline)", baselines["SELECT 1"], "ms", digits=2),
                Row("p95 plain full-text top-10 (baseline)", baselines["plain FTS"], "ms", digits=2),
            )
            print(line("baseline SELECT 1", base_sql, {}))
            print(line("baseline plain FTS top-10", base_fts, {}))
            for name, retriever in (("lexical", lexical), ("hybrid", hybrid)):
                before = len(voyage.embedding_requests)
                s, found = await timed([lambda t=t, q=q, r=retriever: r.search(t, q) for t, q, _ in queries])
                m, matched = await timed([lambda t=t, q=q, r=retriever: r.match_flows(t, q) for t, q, _ in queries])
                print(line(f"{name} search", s, baselines))
                print(line(f"{name} match_flows", m, baselines))
                for op, samples in (("search", s), ("match_flows", m)):
                    p95 = statistics.quantiles(samples, n=100, method="inclusive")[94]
                    result.add(
                        Row(
                            f"p95 {name} {op}",
                            p95,
                            "ms",
                            baselines["plain FTS"],
                            "plain FTS p95",
                            f"<= {TARGET_P95_MS:.0f} ms",
                            p95 <= TARGET_P95_MS,
                            digits=2,
                        )
                    )
                top = [f[0].title if f else "" for f in found]  # type: ignore[index]
                right = sum(corpus.on_topic(h, topic) for h, (_, _, topic) in zip(top, queries, strict=True))
                matches = sum(1 for f in matched if f) / len(matched)  # type: ignore[arg-type]
                sent = len(voyage.embedding_requests) - before
                print(
                    f"    top search hit on the query's topic {right / len(queries):.0%}; queries with a flow match "
                    f"{matches:.0%}; embedding requests {sent}"
                )
                result.add(
                    Row(f"top {name} search hit on the query's topic", right / len(queries) * 100, "%", digits=0)
                )
            await hybrid.close()
            embed, _ = await timed([lambda: embedder.embed_query("printer offline")] * 50)
            print(f"  embed one query (loopback fake): p50 {statistics.median(embed):.2f} ms")
    finally:
        await database.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  RSS after the queries {rss_mib():.0f} MiB; peak RSS {peak:.0f} MiB (corpus generation included)")
    result.add(
        Row("RSS after the queries", rss_mib(), "MiB", digits=0),
        Row("peak RSS (corpus generation included)", peak, "MiB", digits=0),
    )
    return result


async def main() -> Result:
    """Create a scratch database, measure, drop it (also on failure); print and return the figures."""
    name = f"rfbot_bench_{uuid.uuid4().hex[:8]}"
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    print(
        f"retrieval: {FLOWS} flows + {SESSIONS} resolved sessions over {TEAMS} teams, {QUERIES} queries, "
        f"PostgreSQL, {DIMS}-dim vectors (target p95 <= {TARGET_P95_MS:.0f} ms)"
    )
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        return await measure(url)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    started_at = datetime.now(UTC)
    asyncio.run(main())
    print(f"  total {(datetime.now(UTC) - started_at).total_seconds():.0f} s")

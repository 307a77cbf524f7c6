"""Memory after 10,000 sessions: the RSS of an engine process on PostgreSQL, against its RSS after start-up.

The measured process is a child of this one (``python -m bench.bench_memory --child URL``), started with a bare
environment: it builds the app as the composition root does (``bot.app.build_app``: the real store on PostgreSQL, no
chat platform, PSA or model configured), makes sure of its team, opens a database connection, and reads its RSS:
that is the baseline. Then ``BENCH_MEMORY_SESSIONS`` troubleshooting sessions (default 10,000) run through
``engine.handle`` to resolution, ``BENCH_MEMORY_CONCURRENCY`` at a time (default 8, the inbox worker's default
concurrency), by 50 engineers, each session in its own thread: start, an answer, a note, an action step, an answer,
"This fixed it" and the resolve form (7 events, the note rendered and stored). RSS is sampled at every tenth of the
run; the peak is the kernel's high-water mark (``VmHWM``). Target: <= 300 MB (10^6 bytes) after the run and at the
peak. Run: ``python -m bench.bench_memory``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.figures import Result, Row
from bench.scratch import VPN_FLOW, bench_settings, publish, scratch_postgres
from bot.app import build_app
from bot.store.database import Database
from tests.fakes.chat import Chat

SESSIONS = int(os.environ.get("BENCH_MEMORY_SESSIONS", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_MEMORY_CONCURRENCY", "8"))
ENGINEERS = 50
TARGET_MB = 300.0
MB = 1_000_000
ROOT = Path(__file__).resolve().parent.parent


def status_kib(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB (``VmRSS``: resident now; ``VmHWM``: the peak so far)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:"))


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory in MB."""
    return status_kib(field) * 1024 / MB


def slope(samples: list[tuple[int, float]]) -> float:
    """MB per 1,000 sessions from the first tenth's sample (caches warm by then) to the last one."""
    if len(samples) < 3:
        return 0.0
    (n0, mb0), (n1, mb1) = samples[1], samples[-1]
    return (mb1 - mb0) / (n1 - n0) * 1000 if n1 > n0 else 0.0


async def child(url: str) -> dict[str, Any]:
    """In the measured process: start up, read the baseline, run the sessions, read the RSS again."""
    app = build_app(bench_settings(url))
    engine = app.engine
    try:
        team = await engine.ensure_team("bench-memory")
        if not await app.database.ping():
            raise RuntimeError("the database does not answer")
        gc.collect()
        baseline = rss_mb()
        samples: list[tuple[int, float]] = [(0, baseline)]
        every = max(1, SESSIONS // 10)
        started = time.perf_counter()
        cursor = iter(range(SESSIONS))
        done = 0

        async def worker() -> None:
            nonlocal done
            for n in cursor:
                chat = Chat(
                    engine,
                    team,
                    app.clock,
                    f"eng{n % ENGINEERS}",  # type: ignore[arg-type]
                    channel=f"C{n % ENGINEERS}",
                    thread=f"T{n}",
                )
                await chat.say(f"/start {VPN_FLOW.key}")
                await chat.click("Yes")
                await chat.say(f"the user on desk {n} says it dropped after lunch")
                await chat.click("Done")
                await chat.click("Yes")
                await chat.click("This fixed it")
                await chat.submit()
                if not chat.attachments():
                    raise RuntimeError(f"session {n} did not end resolved: {chat.text()[:300]}")
                done += 1
                if done % every == 0:
                    samples.append((done, rss_mb()))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
        final = rss_mb()
        gc.collect()
        return {
            "sessions": done,
            "seconds": elapsed,
            "baseline_mb": baseline,
            "final_mb": final,
            "after_gc_mb": rss_mb(),
            "peak_mb": rss_mb("VmHWM"),
            "samples": samples,
        }
    finally:
        await app.close()


async def run_child(url: str) -> dict[str, Any]:
    """Start the measured process with a bare environment and return what it reports."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        "BENCH_MEMORY_SESSIONS": str(SESSIONS),
        "BENCH_MEMORY_CONCURRENCY": str(CONCURRENCY),
    }
    pipe = asyncio.subprocess.PIPE
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bench_memory", "--child", url, env=env, cwd=ROOT, stdout=pipe, stderr=pipe
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the measured process failed ({proc.returncode}): {err.decode()[-2000:]}")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def main() -> Result:
    """Measure in a child process; print the figures and return them."""
    async with scratch_postgres() as url:
        database = Database(url)
        try:
            await publish(database, VPN_FLOW)
        finally:
            await database.dispose()
        got = await run_child(url)
    base, final, peak = got["baseline_mb"], got["final_mb"], got["peak_mb"]
    growth = [f"{n:,}: {mb:.0f}" for n, mb in got["samples"]]
    per_k = slope(got["samples"])
    print(
        f"memory: {got['sessions']:,} sessions to resolution on PostgreSQL in {got['seconds']:.0f} s "
        f"({got['sessions'] * 7 / got['seconds']:.0f} events/s, {CONCURRENCY} at a time), app built by build_app"
    )
    print(
        f"  RSS after start-up {base:.1f} MB; after the sessions {final:.1f} MB (+{final - base:.1f} MB; "
        f"{got['after_gc_mb']:.1f} MB after gc.collect()); peak {peak:.1f} MB (target <= {TARGET_MB:.0f} MB) "
        f"{'met' if max(final, peak) <= TARGET_MB else 'NOT MET'}"
    )
    print(f"  RSS (MB) by sessions done: {'; '.join(growth)}; after the first tenth {per_k:+.2f} MB per 1,000 sessions")
    result = Result(
        "memory",
        f"Memory after {got['sessions']:,} sessions",
        f"{got['sessions']:,} troubleshooting sessions run to resolution (7 events each, "
        f"{CONCURRENCY} at a time) through the engine of bot.app.build_app on PostgreSQL, in a process of "
        f"its own; RSS from /proc (MB = 10^6 bytes), peak = VmHWM",
    )
    result.add(
        Row(
            f"RSS after {got['sessions']:,} sessions",
            final,
            "MB",
            base,
            "RSS after start-up",
            f"<= {TARGET_MB:.0f} MB",
            final <= TARGET_MB,
        ),
        Row("peak RSS", peak, "MB", base, "RSS after start-up", f"<= {TARGET_MB:.0f} MB", peak <= TARGET_MB),
        Row("RSS after the sessions and gc.collect()", got["after_gc_mb"], "MB", base, "RSS after start-up"),
        Row("growth per 1,000 sessions after the first tenth", per_k, "MB", digits=2),
        Row("events handled per second", got["sessions"] * 7 / got["seconds"], "events/s", digits=0),
    )
    result.notes.append(f"RSS (MB) by sessions done: {'; '.join(growth)}.")
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(asyncio.run(child(sys.argv[2]))))
    else:
        asyncio.run(main())

"""Soak: N resolutions delivered to a faulty ConnectWise, counted exactly.

N sessions (default 200, ``BENCH_PSA_SESSIONS``) are started on tickets and resolved through the real engine on
PostgreSQL; the outbox worker delivers each resolution note and session documentation with the real ConnectWise
client to the loopback fake. About 30% of note posts fail (500, 429 with Retry-After, connection reset before or
after the note was stored, answer stalled past the client timeout after storing) and the whole PSA is down for a
while in the middle (``BENCH_PSA_OUTAGE_AT`` s after the start, for ``BENCH_PSA_OUTAGE_FOR`` s; default 1 and 2).
Prints notes expected / delivered / duplicated / lost, failed pushes, and time to drain.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
import uuid

import psycopg

from bench.figures import Result, Row
from bot.app.psa import ConnectedPsas
from bot.engine.engine import Engine
from bot.engine.psa import PsaCredentials
from bot.engine.system import SystemClock, UuidIds
from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType
from bot.jobs.outbox import OutboxWorker, RetryPolicy
from bot.psa.connectwise.client import ConnectWiseClient
from bot.store import migrate
from bot.store.database import Database
from tests.fakes.chat import Chat
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.http_fake import RecordedCall

SESSIONS = int(os.environ.get("BENCH_PSA_SESSIONS", "200"))
FAULT_RATE = 0.3
OUTAGE_AT = float(os.environ.get("BENCH_PSA_OUTAGE_AT", "1.0"))
OUTAGE_FOR = float(os.environ.get("BENCH_PSA_OUTAGE_FOR", "2.0"))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
FLOW = Flow(key="bench-fix", name="Bench fix", kind=FlowKind.PROCEDURAL, nodes=(
    Node("s1", NodeType.PROCEDURE_STEP, title="Apply the fix", instructions="Do it."),
    Node("end", NodeType.PROCEDURE_END, title="Done")))


def client_for(credentials: PsaCredentials) -> ConnectWiseClient:
    return ConnectWiseClient(credentials, timeout=0.5, backoff_base=0.01, backoff_cap=0.05, max_retry_after=0.05)


def inject(cw: FakeConnectWise, rng: random.Random, counts: dict[str, int]) -> None:
    """Before a note POST is handled, maybe script a fault for it."""

    def on_call(call: RecordedCall) -> None:
        if call.method != "POST" or not call.path.endswith("/notes") or rng.random() >= FAULT_RATE:
            return
        kind = rng.choice(["500", "429", "reset", "reset-after", "stall-after"])
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "500":
            cw.fail_next("/notes", 500, {"code": "InternalServerError", "message": "boom"})
        elif kind == "429":
            cw.fail_next("/notes", 429, {"code": "TooManyRequests", "message": "slow down"}, {"Retry-After": "0"})
        elif kind == "reset":
            cw.reset_next("/notes")
        elif kind == "reset-after":
            cw.reset_next("/notes", after_handling=True)
        else:
            cw.stall_next("/notes", 2.0)

    cw.listeners.append(on_call)


async def resolve_all(database: Database, engine: Engine, team_id: str) -> None:
    clock = SystemClock()
    for n in range(SESSIONS):
        chat = Chat(engine, team_id, clock, f"eng{n % 8}", channel=f"C{n}", thread="")  # type: ignore[arg-type]
        await chat.say(f"/start {FLOW.key} #{10_000 + n}")
        await chat.say("/resolve")
        await chat.submit(summary=f"Fixed ticket {10_000 + n}.")


async def main() -> Result:
    """Create a scratch database, run the soak, drop the database (also on failure); print and return the figures."""
    name = f"rfbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        return await run(url)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(url: str) -> Result:
    """The soak on the database at ``url``: prints the figures and returns them."""
    database = Database(url)
    async with FakeConnectWise() as cw:
        for n in range(SESSIONS):
            cw.add_ticket(10_000 + n, f"Bench ticket {n}")
        psa = ConnectedPsas(None, client_for, cw.credentials())
        engine = Engine(database.uow, SystemClock(), UuidIds(), psa=psa)
        team_id = await engine.ensure_team("bench")
        async with database.uow() as uow:
            await uow.flows.save(None, FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED)
            await uow.commit()
        counts: dict[str, int] = {}
        inject(cw, random.Random(7), counts)
        policy = RetryPolicy(max_attempts=40, base_seconds=0.05, cap_seconds=0.5, lease_seconds=5.0)
        worker = OutboxWorker(database.uow, psa, SystemClock(), lambda: None, policy=policy, poll_seconds=0.05)
        started = time.perf_counter()
        worker.start()

        async def outage() -> None:
            await asyncio.sleep(OUTAGE_AT)
            await cw.outage()
            await asyncio.sleep(OUTAGE_FOR)
            await cw.outage_end()

        outage_task = asyncio.create_task(outage())
        await resolve_all(database, engine, team_id)
        queued_at = time.perf_counter() - started
        while True:
            async with database.uow() as uow:
                left = await uow.outbox.pending(1)
            done = await _count(database)
            if not left and done[0] + done[1] >= 2 * SESSIONS:
                break
            if time.perf_counter() - started > 300:
                break
            await asyncio.sleep(0.1)
        drained = time.perf_counter() - started
        await outage_task
        await worker.stop()
        cw.release_stalls()
        notes = [len(cw.notes_on(10_000 + n)) for n in range(SESSIONS)]
        delivered, failed = await _count(database)
        await psa.close()
    await database.dispose()
    duplicates = sum(max(0, c - 2) for c in notes)
    lost = sum(max(0, 2 - c) for c in notes)
    print(f"psa soak: {SESSIONS} resolutions -> {2 * SESSIONS} notes expected, PostgreSQL, real ConnectWise client")
    faults = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"  injected faults on note posts: {sum(counts.values())} ({faults}) + a {OUTAGE_FOR:.0f} s outage")
    print(f"  notes on tickets: {sum(notes)}  duplicated: {duplicates}  lost: {lost}  pushes failed: {failed}"
          f"  pushes done: {delivered}")
    print(f"  all resolutions queued after {queued_at:.1f} s; outbox drained after {drained:.1f} s")
    result = Result("psa", "ConnectWise soak (faulty PSA)",
                    f"{SESSIONS} resolutions through the engine on PostgreSQL, notes delivered by the outbox worker "
                    f"with the real ConnectWise client to the loopback fake; {FAULT_RATE:.0%} of note posts fail and "
                    f"the PSA is down for {OUTAGE_FOR:g} s")
    return result.add(
        Row("notes on the tickets", sum(notes), f"of {2 * SESSIONS}", target=f"{2 * SESSIONS}",
            met=sum(notes) == 2 * SESSIONS),
        Row("duplicated notes", duplicates, target="0", met=duplicates == 0),
        Row("lost notes", lost, target="0", met=lost == 0),
        Row("pushes failed for good", failed, target="0", met=failed == 0),
        Row("faults injected on note posts", sum(counts.values()), f"+ a {OUTAGE_FOR:g} s outage"),
        Row("all resolutions queued after", queued_at, "s"),
        Row("outbox drained after", drained, "s", queued_at, "resolutions queued"),
    )


async def _count(database: Database) -> tuple[int, int]:
    async with database.engine.connect() as conn:
        from sqlalchemy import func, select

        from bot.store.tables import OutboxRow

        rows = (await conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))).all()
    by = {str(r[0]): int(r[1]) for r in rows}
    return by.get("done", 0), by.get("failed", 0)


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main())

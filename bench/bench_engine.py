"""Engine latency per click on SQLite, against a baseline of the same number of bare SQL round trips.

``BENCH_ENGINE_SESSIONS`` checklist sessions (default 5) of ``BENCH_ENGINE_STEPS`` steps each (default 60).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench.figures import Result, Row
from bot.engine.engine import Engine
from bot.engine.events import ActionId, Actor, ButtonPressed, CommandIssued, ConversationRef
from bot.engine.replies import Buttons, Post
from bot.engine.system import SystemClock, UuidIds
from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType
from bot.store import migrate
from bot.store.database import Database

STEPS = int(os.environ.get("BENCH_ENGINE_STEPS", "60"))
SESSIONS = int(os.environ.get("BENCH_ENGINE_SESSIONS", "5"))
FLOW = Flow(
    key="bench",
    name="Bench",
    kind=FlowKind.PROCEDURAL,
    nodes=(
        *(Node(f"s{i}", NodeType.PROCEDURE_STEP, title=f"Step {i}") for i in range(STEPS)),
        Node("end", NodeType.PROCEDURE_END, title="End"),
    ),
)


async def run(db: Database, sessions: int) -> tuple[float, int]:
    engine = Engine(db.uow, SystemClock(), UuidIds())
    team = await engine.ensure_team("bench")
    actor = Actor("bench", "u1", "Bench")
    clicks = 0
    start = time.perf_counter()
    for n in range(sessions):
        conv = ConversationRef("bench", "C", f"T{n}")
        replies = await engine.handle(
            CommandIssued(
                team_id=team, actor=actor, conversation=conv, at=SystemClock().now(), name="start", args="bench"
            )
        )
        while True:
            buttons = [
                b
                for r in replies
                if isinstance(r, Post)
                for blk in r.view.blocks
                if isinstance(blk, Buttons)
                for b in blk.buttons
                if b.action is ActionId.DONE and b.value == "ok"
            ]
            if not buttons:
                break
            b = buttons[0]
            replies = await engine.handle(
                ButtonPressed(
                    team_id=team,
                    actor=actor,
                    conversation=conv,
                    at=SystemClock().now(),
                    action=b.action,
                    session_id=b.session_id,
                    state_version=b.state_version,
                    value=b.value,
                )
            )
            clicks += 1
    return time.perf_counter() - start, clicks


async def baseline(db: Database, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        async with db.engine.begin() as conn:
            await conn.execute(text("SELECT 1"))
    return time.perf_counter() - start


async def main() -> Result:
    """Measure, print the figures and return them."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        db = Database(url)
        async with db.uow() as uow:
            await uow.flows.save(None, FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED)
            await uow.commit()
        elapsed, clicks = await run(db, SESSIONS)
        base = await baseline(db, clicks)
        await db.dispose()
    per_click = elapsed / clicks * 1000
    per_trip = base / clicks * 1000
    print(
        f"engine on SQLite: {clicks} clicks in {elapsed:.2f} s — {per_click:.2f} ms per click "
        f"({clicks / elapsed:.0f} clicks/s)"
    )
    print(f"baseline (one SQL round trip per click): {per_trip:.2f} ms — a click costs {per_click / per_trip:.1f}x")
    return Result(
        "engine",
        "Engine per click (SQLite)",
        f"{SESSIONS} checklist sessions x {STEPS} steps through the engine on a SQLite file, in "
        "this process; one click after the other",
    ).add(
        Row("time per click", per_click, "ms", per_trip, "one SQL round trip", digits=2),
        Row("clicks per second", clicks / elapsed, "clicks/s", clicks / base, "SQL round trips/s", digits=0),
    )

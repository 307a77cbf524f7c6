"""SQL statements per engine step, on SQLite and on PostgreSQL, counted with SQLAlchemy's ``before_cursor_execute``.

The engine is the one the composition root builds (``bot.app.build_app``, no chat platform, PSA or model
configured). ``BENCH_SQL_SESSIONS`` troubleshooting sessions (default 20, one after the other, each in its own
thread, by an engineer the bot already knows) run as in production: each event is first appended to the inbox (the
intake's one INSERT before the platform request is acknowledged, counted apart), then ``engine.handle(event,
inbox_id)`` runs it and marks the inbox row processed in the same transaction. A session is: ``start``, an answer,
a note in the thread, an action step done, an answer, "This fixed it" (opens the resolve form) and the resolve
form submitted. One session runs first to warm the caches (flows, the engineer) and is not counted.

Counted: every statement SQLAlchemy sends through a cursor (an ``executemany`` counts once). Not counted: ``BEGIN``
and ``COMMIT``, which the drivers send themselves (shown as transactions per step), and idle-connection pings.
Baseline, counted by the same hook in the same run: the least a click can cost, reading the session row (state and
version) and writing it back under the version check, i.e. 2 statements in one transaction. Target: <= 5 per step.
Run: ``python -m bench.bench_sql``.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.figures import Result, Row
from bench.scratch import VPN_FLOW, bench_settings, publish, scratch_postgres
from bot.app import App, build_app
from bot.engine import codec
from bot.engine.events import InboundEvent
from bot.engine.replies import Reply
from bot.store import migrate
from tests.fakes.chat import Chat

SESSIONS = int(os.environ.get("BENCH_SQL_SESSIONS", "20"))
TARGET = 5
TABLE = re.compile(r"\b(?:FROM|INTO|JOIN)\s+\"?(\w+)|(?<!DO )\bUPDATE\s+\"?(\w+)", re.IGNORECASE)


def describe(sql: str) -> str:
    """A statement in a few words: its verb and the tables it names, e.g. ``SELECT sessions, users``."""
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    tables = list(dict.fromkeys(a or b for a, b in TABLE.findall(sql)))
    if verb == "WITH":  # a CTE: name the statement after the main verb that follows the CTEs
        tail = re.search(r"\)\s*(SELECT|INSERT|UPDATE|DELETE)\b", sql, re.IGNORECASE)
        verb = f"WITH … {tail.group(1).upper()}" if tail else verb
    return f"{verb} {', '.join(tables)}".strip()


@dataclass
class Window:
    """What one counted stretch of work sent: statements (described) and transactions begun."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0


class StatementCounter:
    """Counts what ``engine`` sends while a ``window()`` is open."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.current: Window | None = None
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "begin", self._begin)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.current is not None:
            self.current.statements.append(describe(statement))

    def _begin(self, _conn: Any) -> None:
        if self.current is not None:
            self.current.transactions += 1

    @contextmanager
    def window(self) -> Iterator[Window]:
        """Count until the block exits (one window at a time: the work inside must not overlap other work)."""
        self.current = Window()
        try:
            yield self.current
        finally:
            self.current = None


class CountingEngine:
    """Stands in for the engine in ``tests.fakes.chat.Chat``: appends each event to the inbox as the intake does,
    then runs it through the real engine with its inbox id, counting each part under the current ``kind``."""

    def __init__(self, app: App, counter: StatementCounter) -> None:
        self.app, self.counter = app, counter
        self.kind = ""
        self.counting = False
        self.steps: dict[str, list[Window]] = defaultdict(list)
        self.intake: list[Window] = []

    async def handle(self, event: InboundEvent) -> list[Reply]:
        """Intake, then the engine step."""
        with self.counter.window() as intake:
            inbox_id = await self.app.database.uow_factory.append_to_inbox(
                event.team_id, event.event_id or self.kind, "bench", codec.encode(event), self.app.clock.now()
            )
        with self.counter.window() as step:
            replies = await self.app.engine.handle(event, inbox_id)
        if self.counting:
            self.intake.append(intake)
            self.steps[self.kind].append(step)
        return replies


async def session(chat: Chat, engine: CountingEngine) -> None:
    """One troubleshooting session from ``start`` to resolved, each event under its kind of step."""
    script: list[tuple[str, Any]] = [
        ("start", lambda: chat.say(f"/start {VPN_FLOW.key}")),
        ("answer (decision)", lambda: chat.click("Yes")),
        ("note (message in the thread)", lambda: chat.say("the user was on desk 4 when it failed")),
        ("answer (action step done)", lambda: chat.click("Done")),
        ("answer (decision)", lambda: chat.click("Yes")),
        ("resolve: This fixed it (opens the form)", lambda: chat.click("This fixed it")),
        ("resolve: form submitted", lambda: chat.submit()),
    ]
    for kind, act in script:
        engine.kind = kind
        await act()
    if not chat.attachments():
        raise RuntimeError(f"the session did not end resolved with a note: {chat.text()[:300]}")


async def baseline(database_engine: AsyncEngine, counter: StatementCounter, session_id: str) -> Window:
    """The minimal click: read the session, write it back under its version, in one transaction."""
    with counter.window() as window:
        async with database_engine.begin() as conn:
            version = (
                await conn.execute(text("SELECT state_version FROM sessions WHERE id = :id"), {"id": session_id})
            ).scalar_one()
            await conn.execute(
                text("UPDATE sessions SET state_version = :new WHERE id = :id AND state_version = :v"),
                {"id": session_id, "v": version, "new": version + 1},
            )
    return window


async def measure(url: str) -> tuple[dict[str, list[Window]], list[Window], Window]:
    """Run the sessions on ``url``: windows per kind of step, the intakes, and the baseline."""
    app = build_app(bench_settings(url))
    try:
        await publish(app.database, VPN_FLOW)
        counter = StatementCounter(app.database.engine)
        engine = CountingEngine(app, counter)
        team = await app.engine.ensure_team("bench-sql")
        for n in range(SESSIONS + 1):
            engine.counting = n > 0  # the first session warms the caches
            chat = Chat(engine, team, app.clock, "alice", channel="C1", thread=f"T{n}")  # type: ignore[arg-type]
            chat.seq = 1000 * n  # event ids (the inbox's dedupe keys) unique across sessions
            await session(chat, engine)
        async with app.database.engine.connect() as conn:
            some_session = (await conn.execute(text("SELECT id FROM sessions LIMIT 1"))).scalar_one()
        return engine.steps, engine.intake, await baseline(app.database.engine, counter, str(some_session))
    finally:
        await app.close()


def mean(windows: list[Window]) -> float:
    """Mean statements per window."""
    return statistics.mean(len(w.statements) for w in windows)


def lines(dialect: str, steps: dict[str, list[Window]], intake: list[Window], base: Window) -> list[str]:
    """The printed figures of one database."""
    out = [
        f"  {dialect}: baseline (read the session + write it back) {len(base.statements)} statements "
        f"({'; '.join(base.statements)})"
    ]
    for kind, windows in steps.items():
        counts = [len(w.statements) for w in windows]
        flag = "" if max(counts) <= TARGET else f"  OVER {TARGET}"
        out.append(
            f"    {kind:<42} {statistics.mean(counts):5.1f} statements (min {min(counts)}, max {max(counts)}),"
            f" {statistics.mean(w.transactions for w in windows):.1f} transactions{flag}"
        )
        if max(counts) > TARGET:
            out.append(f"      {'; '.join(windows[-1].statements)}")
    every = [w for ws in steps.values() for w in ws]
    out.append(
        f"    mean over every step: {mean(every):.2f} statements; intake before the ack: {mean(intake):.1f} "
        f"({intake[-1].statements[0] if intake and intake[-1].statements else '-'})"
    )
    return out


def rows(dialect: str, steps: dict[str, list[Window]], base: Window) -> list[Row]:
    """The figures of one database as rows."""
    every = [w for ws in steps.values() for w in ws]
    out = [
        Row(
            f"{dialect}: {kind}",
            mean(ws),
            "statements",
            len(base.statements),
            "read + write the session",
            f"<= {TARGET}",
            max(len(w.statements) for w in ws) <= TARGET,
        )
        for kind, ws in steps.items()
    ]
    out.append(
        Row(
            f"{dialect}: mean over every step",
            mean(every),
            "statements",
            len(base.statements),
            "read + write the session",
            f"<= {TARGET}",
            mean(every) <= TARGET,
            digits=2,
        )
    )
    return out


async def main() -> Result:
    """Count on SQLite then on PostgreSQL; print the figures and return them."""
    result = Result(
        "sql",
        "SQL statements per engine step",
        f"{SESSIONS} troubleshooting sessions (start, answers, a note, an action step, resolve) through "
        "the engine of bot.app.build_app, each event appended to the inbox first and run with its inbox "
        "id; statements counted with SQLAlchemy's before_cursor_execute (BEGIN/COMMIT not included)",
    )
    print(f"sql statements per engine step: {SESSIONS} sessions per database (target <= {TARGET} per step)")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        measured = {"SQLite": await measure(url)}
    async with scratch_postgres() as url:
        measured["PostgreSQL"] = await measure(url)
    for dialect, (steps, intake, base) in measured.items():
        printed = lines(dialect, steps, intake, base)
        print("\n".join(printed))
        result.details += printed
        result.rows += rows(dialect, steps, base)
    result.notes.append(
        "Baseline: the least a click can cost is reading the session (its state and version) and "
        "writing it back under the version check, 2 statements in one transaction (counted by the "
        "same hook in this run)."
    )
    result.notes.append(
        "Each step's count includes the UPDATE of its inbox row (marked processed in the same transaction); the "
        "intake's INSERT before the ack (1 statement, in a transaction of its own) is not included. Statements "
        "of the steps over the target are listed under Printed figures."
    )
    return result


if __name__ == "__main__":
    asyncio.run(main())

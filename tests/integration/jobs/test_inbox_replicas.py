"""Two inbox workers sharing one PostgreSQL: every event once, each lane in order and on one worker at a time;
and NOTIFY wakes a worker at once (its poll is an hour), again after its listening connection is killed."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from bot.engine import codec
from bot.engine.events import ActionId, Actor, ButtonPressed, ConversationRef, InboundEvent
from bot.engine.inbox_lanes import lane_key
from bot.jobs.worker import InboxWorker, Progress
from bot.store.advisory_lock import libpq_url
from bot.store.database import Database
from bot.store.inbox_claimer import SqlInboxClaimer
from bot.store.inbox_notify import PgInboxListener
from tests.integration.store.builders import NOW, TEAM_A, seed

pytestmark = pytest.mark.postgres


class Recorder:
    """The engine as the worker sees it: marks the event processed and records who ran what, and overlaps."""

    def __init__(self, db: Database, name: str, log: list[tuple[str, str, int]], busy: dict[str, str]) -> None:
        self.db, self.name, self.log, self.busy = db, name, log, busy
        self.overlaps = 0
        self.ran = asyncio.Event()

    async def handle(self, event: InboundEvent, inbox_id: int | None = None, progress: Progress | None = None) -> list:
        lane = lane_key(event.team_id, {"session_id": getattr(event, "session_id", "")})
        if lane in self.busy:
            self.overlaps += 1
        self.busy[lane] = self.name
        await asyncio.sleep(0)
        async with self.db.uow() as uow:
            assert inbox_id is not None and await uow.inbox.mark_processed(inbox_id, datetime.now(UTC))
            await uow.commit()
        self.log.append((lane, self.name, inbox_id))
        del self.busy[lane]
        self.ran.set()
        return []


def click(session: str, n: int) -> dict[str, Any]:
    event = ButtonPressed(
        team_id=TEAM_A,
        actor=Actor("slack", "U1", "Una"),
        conversation=ConversationRef("slack", "C1", ""),
        at=NOW,
        event_id=f"{session}-{n}",
        action=ActionId.DONE,
        session_id=session,
        state_version=n,
        value="ok",
    )
    return codec.encode(event)


@pytest.fixture
async def pg(pg_migrated: str) -> Any:
    from tests.conftest import truncate_all

    truncate_all(pg_migrated)
    db = Database(pg_migrated)
    await seed(db)
    yield db
    await db.dispose()


async def test_two_workers_run_every_event_once_each_lane_in_order_and_never_side_by_side(pg: Database) -> None:
    log: list[tuple[str, str, int]] = []
    busy: dict[str, str] = {}
    other = Database(pg.url)
    engines = [Recorder(pg, "a", log, busy), Recorder(other, "b", log, busy)]
    workers = [
        InboxWorker(db.uow, eng, {}, owner=eng.name, poll_seconds=3600, now=lambda: NOW)  # the claimers' clock
        for db, eng in ((pg, engines[0]), (other, engines[1]))
    ]
    claimers = [SqlInboxClaimer(db.engine, w.owner) for db, w in ((pg, workers[0]), (other, workers[1]))]
    written: dict[str, list[int]] = defaultdict(list)
    try:
        for n in range(6):  # 12 sessions, each clicked 6 times, the clicks arriving at either replica
            for s in range(12):
                claimer = claimers[(n + s) % 2]
                got = await claimer.append_claimed(TEAM_A, f"s{s}-{n}", "slack", click(f"s{s}", n), NOW)
                assert got is not None
                written[lane_key(TEAM_A, {"session_id": f"s{s}"})].append(got[0])
            await asyncio.gather(*(w.fetch() for w in workers))
        while sum(len(ids) for ids in written.values()) > len(log):
            await asyncio.gather(*(w.drain_once() for w in workers))
    finally:
        for w in workers:
            await w.stop()
        await other.dispose()
    ran: dict[str, list[int]] = defaultdict(list)
    for lane, _, item_id in log:
        ran[lane].append(item_id)
    assert ran == written  # every event once, each lane in inbox order
    assert engines[0].overlaps == engines[1].overlaps == 0
    assert {name for _, name, _ in log} == {"a", "b"}  # both did work


async def test_notify_wakes_a_worker_at_once_and_after_its_connection_is_killed(pg: Database) -> None:
    log: list[tuple[str, str, int]] = []
    recorder = Recorder(pg, "a", log, {})
    worker = InboxWorker(pg.uow, recorder, {}, owner="a", poll_seconds=3600)
    listener = PgInboxListener(pg.url, worker.wake, ignore="a", max_backoff=0.2)
    worker.listen(listener)
    worker.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), 10)
        await SqlInboxClaimer(pg.engine, "b").append_claimed(TEAM_A, "e1", "slack", click("s1", 1), NOW)
        await _until(recorder, 1)  # woken by b's NOTIFY, not by the hour-long poll
        pid = await listener.backend_pid()
        with psycopg.connect(libpq_url(pg.url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await _until_new_pid(listener, pid)
        async with pg.uow() as uow:  # a row written in a unit of work (copilot work, a schedule's fire)
            await uow.inbox.add(TEAM_A, "e2", "slack", click("s2", 1), NOW)
            await uow.commit()
        await _until(recorder, 2)
    finally:
        await worker.stop()
    assert [item_id for _, _, item_id in log] == sorted(item_id for _, _, item_id in log)


async def _until(recorder: Recorder, count: int) -> None:
    async def wait() -> None:
        while len(recorder.log) < count:
            recorder.ran.clear()
            await recorder.ran.wait()

    await asyncio.wait_for(wait(), 10.0)  # a hang guard only: the count is the assertion


async def _until_new_pid(listener: PgInboxListener, old: int | None) -> None:
    async def wait() -> None:
        while not listener.connected.is_set() or await listener.backend_pid() in (None, old):  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # the listener reconnects on its own schedule

    await asyncio.wait_for(wait(), 10.0)

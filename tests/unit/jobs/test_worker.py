"""The inbox worker with the real engine over the in-memory store and a recording sender."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.engine import codec
from bot.engine.engine import Engine
from bot.engine.events import Actor, CommandIssued, ConversationRef, InboundEvent, ThreadStarted
from bot.engine.model import InboxItem
from bot.engine.replies import Post, Reply
from bot.flows.model import FlowStatus
from bot.jobs.worker import InboxWorker
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.conftest import VPN

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class RecordingSender:
    """Records replies; binds the thread of a root post like a chat platform would."""

    def __init__(self) -> None:
        self.batches: list[list[Reply]] = []

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        self.batches.append(replies)
        return [
            ThreadStarted(
                team_id=team_id,
                actor=Actor("test", "u1", "Una"),
                conversation=r.conversation,
                at=AT,
                session_id=r.session_id,
                thread="1700000000.0001",
            )
            for r in replies
            if isinstance(r, Post) and r.root
        ]


async def setup() -> tuple[MemoryDatabase, Engine, str]:
    db = MemoryDatabase()
    engine = Engine(db, FakeClock(), SequentialIds())
    team = await engine.ensure_team("acme")
    async with db() as uow:
        await uow.flows.save(None, VPN, VPN.key, FlowStatus.PUBLISHED)
        await uow.commit()
    return db, engine, team


def start_event(team: str, event_id: str) -> CommandIssued:
    return CommandIssued(
        team_id=team,
        actor=Actor("test", "u1", "Una"),
        conversation=ConversationRef("test", "C1"),
        at=AT,
        event_id=event_id,
        name="start",
        args="vpn-test",
    )


async def test_events_take_effect_once_and_threads_are_bound() -> None:
    db, engine, team = await setup()
    sender = RecordingSender()
    worker = InboxWorker(db, engine, {"test": sender})
    async with db() as uow:
        assert await uow.inbox.add(team, "e1", "test", codec.encode(start_event(team, "e1")), AT)
        assert not await uow.inbox.add(team, "e1", "test", codec.encode(start_event(team, "e1")), AT)
        await uow.commit()
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    (session,) = db.state.sessions.values()
    assert session.conversation_key == "test:C1:1700000000.0001"
    assert any(isinstance(r, Post) and r.root for r in sender.batches[0])


async def test_unreadable_items_are_skipped_not_retried_forever() -> None:
    db, engine, team = await setup()
    worker = InboxWorker(db, engine, {"test": RecordingSender()})
    async with db() as uow:
        await uow.inbox.add(team, "bad", "test", {"v": 99}, AT)
        await uow.commit()
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0


def item_of(item_id: int, team: str, event: InboundEvent) -> InboxItem:
    return InboxItem(item_id, team, event.event_id, "test", codec.encode(event), AT)


async def test_a_handed_over_row_is_worked_once_without_being_read_back() -> None:
    db, engine, team = await setup()
    worker = InboxWorker(db, engine, {"test": RecordingSender()})
    event = start_event(team, "e1")
    async with db() as uow:  # the intake's INSERT, committed
        assert await uow.inbox.add(team, "e1", "test", codec.encode(event), AT)
        await uow.commit()
        (row,) = await uow.inbox.pending()
    worker.hand_over(item_of(row.id, team, event))
    worker.hand_over(item_of(row.id, team, event))  # already in hand: ignored
    assert await worker.drain_once() == 0  # the read finds it in hand: not queued a second time
    assert len(db.state.sessions) == 1
    async with db() as uow:
        assert list(await uow.inbox.pending()) == []  # marked processed with its effect


async def test_events_handed_over_out_of_order_run_in_inbox_order() -> None:
    db, _, team = await setup()
    order: list[int] = []

    class Recording:
        async def handle(self, event: InboundEvent, inbox_id: int | None = None, progress: Any = None) -> list[Reply]:
            order.append(inbox_id or 0)
            return []

    worker = InboxWorker(db, Recording(), {"test": RecordingSender()})
    payload = codec.encode(start_event(team, "x")) | {"session_id": "s-1"}  # one session: one lane
    for item_id in (3, 1, 2):  # committed as 1, 2, 3; their requests finished in another order
        worker.hand_over(InboxItem(item_id, team, f"e{item_id}", "test", payload, AT))
    await worker.drain_once()
    assert order == [1, 2, 3]


async def test_an_earlier_event_never_overtakes_the_one_being_processed() -> None:
    db, _, team = await setup()
    order: list[int] = []
    release = asyncio.Event()

    class Slow:
        async def handle(self, event: InboundEvent, inbox_id: int | None = None, progress: Any = None) -> list[Reply]:
            order.append(inbox_id or 0)
            if inbox_id == 5:
                await release.wait()
            return []

    worker = InboxWorker(db, Slow(), {"test": RecordingSender()})
    payload = codec.encode(start_event(team, "x")) | {"session_id": "s-1"}
    worker.hand_over(InboxItem(5, team, "e5", "test", payload, AT))
    await asyncio.sleep(0.01)  # 5 is in the engine now
    for item_id in (7, 4, 6):
        worker.hand_over(InboxItem(item_id, team, f"e{item_id}", "test", payload, AT))
    release.set()
    await worker.drain_once()
    assert order == [5, 4, 6, 7]


async def test_stop_never_waits_on_a_copilot_job_whose_cause_it_dropped() -> None:
    """Stopping drops the queued events behind the one in hand; a copilot job waiting for one of them to finish must
    not wait forever (the rows stay pending for the next start or another replica)."""
    db, _, team = await setup()
    order: list[int] = []
    entered, release = asyncio.Event(), asyncio.Event()

    class Slow:
        async def handle(self, event: InboundEvent, inbox_id: int | None = None, progress: Any = None) -> list[Reply]:
            order.append(inbox_id or 0)
            if inbox_id == 1:
                entered.set()
                await release.wait()
            return []

    worker = InboxWorker(db, Slow(), {"test": RecordingSender()})
    click = codec.encode(start_event(team, "x")) | {"session_id": "s-1"}
    job = {"type": "PilotWork", "session_id": "s-1", "conversation": click["conversation"]}
    worker.hand_over(InboxItem(1, team, "e1", "test", click, AT))  # in the engine
    worker.hand_over(InboxItem(2, team, "e2", "test", click, AT))  # queued behind it: dropped by stop
    worker.hand_over(InboxItem(3, team, "e3", "test", job, AT))  # the copilot job waits for 1 and 2
    await entered.wait()
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert order == [1], "the event in hand finished; the dropped event and the job it caused did not run"

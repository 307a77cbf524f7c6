"""The inbox worker with the real engine over the in-memory store and a recording sender."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine import codec
from bot.engine.engine import Engine
from bot.engine.events import Actor, CommandIssued, ConversationRef, InboundEvent, ThreadStarted
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

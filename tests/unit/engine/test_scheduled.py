"""The engine side of a fire: the kind's handler runs once, in one unit of work with the inbox item marked processed;
unknown kinds and refusals change nothing and are done; the router sends everything else to the engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.engine import codec
from bot.engine.context import UserError
from bot.engine.events import ConversationRef, InboundEvent, MessageReceived, ScheduleFired
from bot.engine.model import Role
from bot.engine.ports import ConcurrentWriteError
from bot.engine.replies import Post, Reply
from bot.engine.schedule_kinds import KINDS
from bot.engine.scheduled import (
    SCHEDULER_ACTOR,
    Schedule,
    ScheduledActions,
    ScheduledHandler,
    ScheduledRouter,
    ScheduledRun,
    ScheduleKind,
    conversation_of,
    fired_event,
)
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WHERE = ConversationRef("slack", "C1", "", {"team": "T1"})


def schedule(kind: str = ScheduleKind.ANNOUNCE, payload: dict[str, object] | None = None, **extra: object) -> Schedule:
    fields: dict[str, object] = {
        "id": "sch1",
        "team_id": "t1",
        "kind": kind,
        "key": "k",
        "cron": "0 9 * * *",
        "timezone": "UTC",
        "run_at": None,
        "payload": payload if payload is not None else {"text": "Stand-up in 5 minutes"},
        "conversation": WHERE.to_dict(),
        "paused": False,
        "revision": 1,
        "active_from": AT,
        "created_at": AT,
        "updated_at": AT,
    }
    return Schedule(**{**fields, **extra})  # type: ignore[arg-type]


async def queued(db: MemoryDatabase, event: ScheduleFired) -> int:
    async with db() as uow:
        await uow.inbox.add(event.team_id, event.event_id, event.conversation.platform, codec.encode(event), AT)
        await uow.commit()
        return (await uow.inbox.pending())[-1].id


def actions(db: MemoryDatabase, kinds: dict[str, ScheduledHandler] | None = None) -> ScheduledActions:
    return ScheduledActions(db, FakeClock(AT), SequentialIds(), KINDS if kinds is None else kinds)


async def pending(db: MemoryDatabase) -> int:
    async with db() as uow:
        return len(await uow.inbox.pending())


async def test_announce_posts_in_the_schedules_conversation_once() -> None:
    db = MemoryDatabase()
    event = fired_event(schedule(), AT, "schedule:sch1:x")
    item = await queued(db, event)
    replies = await actions(db).handle(event, inbox_id=item)
    assert [(type(r), r.conversation, r.view.fallback) for r in replies] == [(Post, WHERE, "Stand-up in 5 minutes")]  # type: ignore[attr-defined]
    assert await pending(db) == 0
    assert await actions(db).handle(event, inbox_id=item) == []  # handed over twice: takes effect once


async def test_a_fire_with_no_conversation_has_a_lane_of_its_own_schedule() -> None:
    s = schedule(conversation={})
    assert conversation_of(s) == ConversationRef("scheduler", "sch1")
    event = fired_event(s, AT, "k")
    assert event.actor == SCHEDULER_ACTOR and event.conversation.platform == "scheduler"


async def test_an_unknown_kind_is_logged_and_marked_done(caplog: pytest.LogCaptureFixture) -> None:
    db = MemoryDatabase()
    event = fired_event(schedule("from_a_newer_release"), AT, "k")
    item = await queued(db, event)
    assert await actions(db).handle(event, inbox_id=item) == []
    assert await pending(db) == 0
    assert "unknown kind 'from_a_newer_release'" in caplog.text


async def test_a_refusal_changes_nothing_and_is_done() -> None:
    db = MemoryDatabase()
    runs: list[ScheduledRun] = []

    async def refuse(run: ScheduledRun) -> None:
        runs.append(run)
        await run.ctx.uow.inbox.add("t1", "side-effect", "slack", {}, AT)
        raise UserError("the session is closed")

    event = fired_event(schedule("refuse"), AT, "k")
    item = await queued(db, event)
    assert await actions(db, {"refuse": refuse}).handle(event, inbox_id=item) == []
    assert await pending(db) == 0 and len(runs) == 1
    async with db() as uow:
        assert await uow.inbox.add("t1", "side-effect", "slack", {}, AT)  # rolled back: it was never written


async def test_a_concurrent_write_is_retried_and_the_handler_acts_as_the_bot() -> None:
    db = MemoryDatabase()
    seen: list[ScheduledRun] = []

    async def flaky(run: ScheduledRun) -> None:
        seen.append(run)
        if len(seen) == 1:
            raise ConcurrentWriteError("someone else wrote first")
        run.ctx.say("done")

    event = fired_event(schedule("flaky"), AT, "k")
    item = await queued(db, event)
    replies = await actions(db, {"flaky": flaky}).handle(event, inbox_id=item)
    assert len(replies) == 1 and len(seen) == 2
    user = seen[-1].ctx.user
    assert (user.display_name, user.role, seen[-1].fired) == ("ResolutionFlow", Role.TEAM_ADMIN, event)


class RecordingEngine:
    def __init__(self) -> None:
        self.events: list[InboundEvent] = []

    async def handle(
        self,
        event: InboundEvent,
        inbox_id: int | None = None,
        progress: Callable[[list[Reply]], Awaitable[None]] | None = None,
    ) -> list[Reply]:
        self.events.append(event)
        return []


async def test_the_router_sends_fires_to_the_actions_and_the_rest_to_the_engine() -> None:
    db, engine = MemoryDatabase(), RecordingEngine()
    router = ScheduledRouter(engine, actions(db))
    message = MessageReceived(team_id="t1", actor=SCHEDULER_ACTOR, conversation=WHERE, at=AT, text="hi")
    assert await router.handle(message) == []
    fired = await router.handle(fired_event(schedule(), AT, "k"))
    assert engine.events == [message] and len(fired) == 1

"""The scheduler's ``escalation_reminder`` hook: an unclaimed escalation is announced again (channel notice with
Claim, the senior's DM, the thread, and one more person from the team's escalation list per reminder) and the next
reminder is scheduled; a claimed escalation is left alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot.engine.commands.escalation_reminders import (
    on_escalation_reminder,
    reminder_minutes,
    reminder_spec,
    schedule_first_reminder,
)
from bot.engine.context import Ctx
from bot.engine.engine import Engine
from bot.engine.escalation.records import LIST_SETTING, REMINDER_KIND, REMINDER_SETTING
from bot.engine.ports import UnitOfWork
from bot.engine.replies import Post, Reply
from bot.engine.scheduled import Schedule, ScheduledRun, ScheduleSpec, bot_user, fired_event
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.escalation_helpers import (
    ESC_CHANNEL,
    TICKET,
    claim_of,
    direct,
    in_channel,
    person,
    the_escalation,
    the_session,
    user_id,
)


class RecordingBook:
    """A ``ScheduleBook`` that only records what was put."""

    def __init__(self) -> None:
        self.put_specs: list[ScheduleSpec] = []

    async def put(self, spec: ScheduleSpec, uow: UnitOfWork | None = None) -> Schedule:
        self.put_specs.append(spec)
        return schedule_of(spec)

    async def get(self, team_id: str, schedule_id: str) -> Schedule | None:
        return None

    async def by_key(self, team_id: str, key: str) -> Schedule | None:
        return None

    async def list(self, team_id: str, kind: str | None = None) -> Sequence[Schedule]:
        return []

    async def pause(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        return None

    async def resume(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        return None

    async def remove(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> bool:
        return False


def schedule_of(spec: ScheduleSpec) -> Schedule:
    at = spec.run_at
    assert at is not None
    conversation = spec.conversation.to_dict() if spec.conversation else {}
    return Schedule(
        "sched-1",
        spec.team_id,
        spec.kind,
        spec.key,
        "",
        "UTC",
        at,
        spec.payload,
        conversation,
        False,
        1,
        at,
        at,
        at,
        at,
    )


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, team_id: str) -> Engine:
    return Engine(db, clock, SequentialIds(), psa=MemoryPsaDirectory({team_id: MemoryPsa(tickets={TICKET.id: TICKET})}))


async def fire(db: MemoryDatabase, clock: FakeClock, team_id: str, book: RecordingBook) -> list[Reply]:
    """Fire the escalation's reminder the way the scheduler's actions do (one unit of work, acting as the bot)."""
    escalation, session = the_escalation(db), the_session(db)
    spec = reminder_spec(escalation, session, clock.now())
    event = fired_event(schedule_of(spec), clock.now(), f"fire:{clock.now().isoformat()}")
    async with db() as uow:
        ctx = Ctx(uow, event, bot_user(team_id), clock.now(), SequentialIds())
        await on_escalation_reminder(ScheduledRun(ctx, event, book))
        await uow.commit()
    return ctx.replies


async def test_an_unclaimed_escalation_is_announced_again_and_widens_to_the_escalation_list(
    engine: Engine, db: MemoryDatabase, clock: FakeClock, team_id: str
) -> None:
    admin = Chat(engine, team_id, clock, "alice", channel=ESC_CHANNEL, thread="")
    await admin.say("/admin escalation-channel here")
    for name in ("carol", "dave", "erin", "bob"):
        await person(engine, team_id, clock, name).say("/help")
    async with db() as uow:
        listed = [user_id(db, n) for n in ("bob", "dave", "erin")]  # whoever escalated is skipped
        await uow.settings.put(team_id, {LIST_SETTING: listed, REMINDER_SETTING: 10})
        await uow.commit()
    bob = person(engine, team_id, clock, "bob")
    await bob.say("/start vpn-test #12345")
    await bob.say("/escalate @carol stuck")
    spec = reminder_spec(the_escalation(db), the_session(db), clock.now())
    assert (spec.kind, spec.key, spec.payload["session_id"]) == (
        REMINDER_KIND,
        f"escalation:{the_session(db).id}",
        the_session(db).id,
    )

    book = RecordingBook()
    async with db() as uow:
        await schedule_first_reminder(book, uow, the_escalation(db), the_session(db), clock.now())
    (first,) = book.put_specs
    assert first.run_at == clock.now() + timedelta(minutes=10) and first.key == spec.key
    book.put_specs.clear()
    clock.advance(minutes=10)
    replies = await fire(db, clock, team_id, book)
    (notice,) = in_channel(replies, ESC_CHANNEL)
    assert isinstance(notice, Post) and "Still unclaimed after 10 min (reminder 1)" in view_text(notice.view)
    assert claim_of(notice.view).value == the_escalation(db).id
    assert [d.actor.platform_user_id for d in direct(replies)] == ["carol", "dave"]
    assert any(
        "Still unclaimed" in view_text(r.view)
        for r in replies
        if isinstance(r, Post) and r.conversation.channel == "C1"
    )
    (next_one,) = book.put_specs
    assert next_one.run_at == clock.now() + timedelta(minutes=10) and the_escalation(db).reminders == 1

    clock.advance(minutes=10)
    replies = await fire(db, clock, team_id, book)
    assert [d.actor.platform_user_id for d in direct(replies)] == ["carol", "erin"]
    clock.advance(minutes=10)
    replies = await fire(db, clock, team_id, book)
    assert [d.actor.platform_user_id for d in direct(replies)] == ["carol"]  # the list is used up

    carol = person(engine, team_id, clock, "carol")
    await carol.click("Claim", claim_of(notice.view))
    assert await fire(db, clock, team_id, book) == [] and len(book.put_specs) == 3


def test_the_window_is_a_team_setting() -> None:
    assert reminder_minutes({}) == 15
    assert reminder_minutes({REMINDER_SETTING: 5}) == 5
    assert reminder_minutes({REMINDER_SETTING: "soon"}) == 15 and reminder_minutes({REMINDER_SETTING: 0}) == 1

"""The per-team ``idle_sweep`` schedule: one nudge per pause (thread line + DM with Resume), idle sessions abandoned
with the rule named, 0 turns a rule off, bounded work per fire, and a re-run of a fire changes nothing."""

from __future__ import annotations

import pytest

from bot.engine.commands import idle_sweep
from bot.engine.engine import Engine
from bot.engine.events import ActionId, ScheduleFired
from bot.engine.model import Session, SessionStatus, TimelineKind
from bot.engine.replies import Attachment, Button, Buttons, DirectMessage, Post, Reply
from bot.engine.scheduled import ScheduledActions, ScheduleKind, fired_event
from bot.engine.system import UuidIds
from bot.engine.team_schedules import IDLE_SWEEP_KEY, ensure_team_schedules
from bot.engine.team_settings import IDLE_ABANDON_DAYS, PAUSE_NUDGE_HOURS
from bot.jobs.scheduler_book import Schedules
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_schedules import MemorySchedules
from tests.fakes.memory_store import FakeClock, MemoryDatabase


class Sweeper:
    """Fires the team's idle-sweep schedule the way the scheduler's actions do."""

    def __init__(self, db: MemoryDatabase, clock: FakeClock, team_id: str) -> None:
        self.db, self.clock, self.team_id = db, clock, team_id
        self.book = Schedules(MemorySchedules(), clock.now, UuidIds())
        self.actions = ScheduledActions(
            db, clock, UuidIds(), {ScheduleKind.IDLE_SWEEP: idle_sweep.on_idle_sweep}, schedules=self.book
        )

    async def event(self) -> ScheduleFired:
        async with self.db() as uow:
            await ensure_team_schedules(self.book, self.team_id, uow)
            await uow.commit()
        schedule = await self.book.by_key(self.team_id, IDLE_SWEEP_KEY)
        assert schedule is not None and schedule.kind == ScheduleKind.IDLE_SWEEP
        return fired_event(schedule, self.clock.now(), f"sweep:{self.clock.now().isoformat()}")

    async def sweep(self) -> list[Reply]:
        return await self.actions.handle(await self.event())


def sessions(db: MemoryDatabase) -> list[Session]:
    return sorted(db.state.sessions.values(), key=lambda s: s.started_at)


def kinds(db: MemoryDatabase, session: Session) -> list[TimelineKind]:
    return [t.kind for t in db.state.timeline if t.session_id == session.id]


def dms(replies: list[Reply]) -> list[DirectMessage]:
    return [r for r in replies if isinstance(r, DirectMessage)]


def posts(replies: list[Reply]) -> list[Post]:
    return [r for r in replies if isinstance(r, Post)]


async def put(db: MemoryDatabase, team_id: str, **values: int) -> None:
    async with db() as uow:
        await uow.settings.put(team_id, values)
        await uow.commit()


@pytest.fixture
def sweeper(db: MemoryDatabase, clock: FakeClock, team_id: str) -> Sweeper:
    return Sweeper(db, clock, team_id)


async def test_a_paused_session_is_nudged_once_per_pause(
    engine: Engine, db: MemoryDatabase, clock: FakeClock, team_id: str, alice: Chat, sweeper: Sweeper
) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/pause")
    clock.advance(hours=23, minutes=59)
    assert await sweeper.sweep() == []
    clock.advance(hours=2)
    replies = await sweeper.sweep()
    (session,) = sessions(db)
    (line,) = posts(replies)
    assert (line.conversation.channel, line.conversation.thread) == ("C1", "T1")
    assert "Paused for 25 hours — resume or abandon it." in view_text(line.view)
    (dm,) = dms(replies)
    assert dm.actor.platform_user_id == "alice" and "paused for 25 hours" in view_text(dm.view)
    (resume,) = [b for blk in dm.view.blocks if isinstance(blk, Buttons) for b in blk.buttons]
    assert resume.action is ActionId.NUDGE_RESUME and resume.session_id == session.id
    assert kinds(db, session).count(TimelineKind.NUDGED) == 1
    assert session.status is SessionStatus.PAUSED and session.updated_at < clock.now()  # a nudge is not activity

    clock.advance(hours=5)
    assert await sweeper.sweep() == []  # once per pause

    away = Chat(engine, team_id, clock, "alice", channel="D-alice", thread="")
    replies = await away.click("Resume", resume)
    assert db.state.sessions[session.id].status is SessionStatus.ACTIVE
    assert db.state.sessions[session.id].conversation["channel"] == "C1"  # resumed in its thread, not in the DM
    assert "Resumed *VPN test* in its thread." in away.text()
    await alice.say("/pause")
    clock.advance(hours=24)
    replies = await sweeper.sweep()
    assert len(dms(replies)) == 1 and kinds(db, session).count(TimelineKind.NUDGED) == 2  # a new pause, a new nudge


async def test_an_idle_session_is_abandoned_naming_the_rule_and_nothing_goes_to_its_ticket(
    db: MemoryDatabase, clock: FakeClock, team_id: str, alice: Chat, bob: Chat, sweeper: Sweeper
) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/link #12345")
    bob.thread = "T2"
    await bob.say("/start vpn-test")
    clock.advance(days=13)
    await bob.say("/note still looking")  # activity: bob's session is not idle
    clock.advance(days=1)
    replies = await sweeper.sweep()
    first, second = sessions(db)
    assert first.status is SessionStatus.ABANDONED and first.ended_at == clock.now()
    assert second.status is SessionStatus.ACTIVE
    line = "Abandoned after 14 days without activity (team setting idle_abandon_days)."
    entry = [t for t in db.state.timeline if t.session_id == first.id][-1]
    assert entry.kind is TimelineKind.ABANDONED and entry.answer == line and entry.actor_name == "ResolutionFlow"
    assert entry.detail["setting"] == IDLE_ABANDON_DAYS.key and entry.detail["days"] == 14
    assert any(line in view_text(p.view) and p.conversation.thread == "T1" for p in posts(replies))
    (dm,) = dms(replies)
    assert dm.actor.platform_user_id == "alice" and "abandoned after 14 days" in view_text(dm.view)
    assert [a.title for a in replies if isinstance(a, Attachment)] == ["Session note (abandoned)"]
    assert [n.session_id for n in db.state.notes] == [first.id]  # the note is kept, as `abandon` keeps it
    assert db.state.outbox == []  # nothing for the ticket


async def test_zero_turns_each_rule_off(
    db: MemoryDatabase, clock: FakeClock, team_id: str, alice: Chat, sweeper: Sweeper
) -> None:
    await put(db, team_id, **{PAUSE_NUDGE_HOURS.key: 0, IDLE_ABANDON_DAYS.key: 0})
    await alice.say("/start vpn-test")
    await alice.say("/pause")
    clock.advance(days=400)
    assert await sweeper.sweep() == []
    (session,) = sessions(db)
    assert session.status is SessionStatus.PAUSED and TimelineKind.NUDGED not in kinds(db, session)


async def test_each_sweep_does_a_bounded_batch_and_the_next_continues(
    db: MemoryDatabase,
    clock: FakeClock,
    team_id: str,
    alice: Chat,
    sweeper: Sweeper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(idle_sweep, "MAX_PER_SWEEP", 2)
    for n in range(5):
        alice.thread = f"T{n}"
        await alice.say("/start vpn-test")
    clock.advance(days=15)
    done = []
    for _ in range(3):
        await sweeper.sweep()
        done.append(sum(s.status is SessionStatus.ABANDONED for s in sessions(db)))
        clock.advance(minutes=15)
    assert done == [2, 4, 5]


async def test_a_rerun_of_the_same_fire_changes_nothing(
    db: MemoryDatabase, clock: FakeClock, team_id: str, alice: Chat, sweeper: Sweeper
) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/pause")
    clock.advance(hours=30)
    event = await sweeper.event()
    first = await sweeper.actions.handle(event)
    timeline = len(db.state.timeline)
    again = await sweeper.actions.handle(event)
    assert dms(first) and again == [] and len(db.state.timeline) == timeline


async def test_the_thread_buttons_resume_or_abandon_the_paused_session(
    db: MemoryDatabase, clock: FakeClock, team_id: str, alice: Chat, sweeper: Sweeper
) -> None:
    await alice.say("/start vpn-test")
    await alice.say("/pause")
    clock.advance(hours=25)
    (line,) = posts(await sweeper.sweep())
    buttons: list[Button] = [b for blk in line.view.blocks if isinstance(blk, Buttons) for b in blk.buttons]
    assert [b.label for b in buttons] == ["Resume", "Abandon"]
    await alice.click("Resume", buttons[0])
    assert sessions(db)[0].status is SessionStatus.ACTIVE

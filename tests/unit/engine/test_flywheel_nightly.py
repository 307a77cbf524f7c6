"""The nightly schedule: every team gets it, and a fire queues the flywheel job on the admins' platform."""

from __future__ import annotations

from bot.engine import codec
from bot.engine.context import Ctx
from bot.engine.events import ConversationRef, PilotJob, PilotWork, ScheduleFired
from bot.engine.flywheel.nightly import NIGHTLY_CRON, flywheel_spec, on_nightly_flywheel
from bot.engine.scheduled import SCHEDULER_ACTOR, ScheduledRun, ScheduleKind, bot_user
from bot.engine.team_schedules import TEAM_SCHEDULES
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.flywheel_world import add_people


def fire(team: str, clock: FakeClock) -> ScheduleFired:
    return ScheduleFired(
        team_id=team,
        actor=SCHEDULER_ACTOR,
        conversation=ConversationRef("scheduler", "s1"),
        at=clock.now(),
        event_id="fire-1",
        schedule_id="s1",
        kind=ScheduleKind.NIGHTLY_FLYWHEEL,
        fire_time=clock.now(),
    )


def test_every_team_has_the_nightly_schedule() -> None:
    spec = flywheel_spec("team-1")
    assert flywheel_spec in TEAM_SCHEDULES
    assert (spec.kind, spec.cron, spec.key) == (ScheduleKind.NIGHTLY_FLYWHEEL, NIGHTLY_CRON, "flywheel-nightly")


async def test_a_fire_queues_the_job_on_the_admins_platform_unless_turned_off(
    db: MemoryDatabase, clock: FakeClock
) -> None:
    async with db() as uow:
        await add_people(uow, "team-1", platform="slack")
        await uow.commit()
    async with db() as uow:
        ctx = Ctx(uow, fire("team-1", clock), bot_user("team-1"), clock.now(), SequentialIds())
        await on_nightly_flywheel(ScheduledRun(ctx, fire("team-1", clock)))
        await uow.commit()
    [(kind, payload)] = [(item["kind"], item["payload"]) for item in db.state.inbox.values()]
    work = codec.decode(payload)
    assert kind == "slack" and isinstance(work, PilotWork) and ctx.queued
    assert (work.job, work.arg, work.conversation.platform) == (PilotJob.FLYWHEEL, "nightly", "slack")

    async with db() as uow:
        await uow.settings.put("team-1", {"flywheel_enabled": False})
        await uow.commit()
    async with db() as uow:
        ctx = Ctx(uow, fire("team-1", clock), bot_user("team-1"), clock.now(), SequentialIds())
        await on_nightly_flywheel(ScheduledRun(ctx, fire("team-1", clock)))
        await uow.commit()
    assert len(db.state.inbox) == 1 and not ctx.queued

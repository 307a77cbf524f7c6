"""The nightly run: the scheduler's ``nightly_flywheel`` kind (``bot.engine.scheduled``), one schedule per team.

``flywheel_spec`` is every team's schedule (02:30 in the team's time zone; listed in
``bot.engine.team_schedules.TEAM_SCHEDULES``, which puts the zone). When it fires, ``on_nightly_flywheel`` queues the
``flywheel`` copilot job (``bot.engine.flywheel.run``) — unless the team turned the flywheel off
(``flywheel_enabled``). The job is queued on the chat platform most of the team's admins are reachable on, so that
its review message can reach them there; a team whose admins have no chat identity gets the job on the scheduler's
own lane (proposals are still drafted, and `proposals` lists them).
"""

from __future__ import annotations

from collections import Counter

from bot.engine import codec
from bot.engine.events import ConversationRef, PilotJob, PilotWork
from bot.engine.model import Role
from bot.engine.ports import UnitOfWork
from bot.engine.scheduled import SCHEDULER_ACTOR, SCHEDULER_PLATFORM, ScheduledRun, ScheduleKind, ScheduleSpec
from bot.engine.team_settings import FLYWHEEL_ENABLED, TeamSettings

NIGHTLY_KEY = "flywheel-nightly"
NIGHTLY_CRON = "30 2 * * *"  # 02:30 every night, in the team's time zone
NOT_CHAT = frozenset({"console", SCHEDULER_PLATFORM})


def flywheel_spec(team_id: str) -> ScheduleSpec:
    """The team's nightly flywheel schedule (UTC here; ``ensure_team_schedules`` puts the team's zone)."""
    return ScheduleSpec(team_id=team_id, kind=ScheduleKind.NIGHTLY_FLYWHEEL, key=NIGHTLY_KEY, cron=NIGHTLY_CRON)


async def review_platform(uow: UnitOfWork, team_id: str) -> str:
    """The chat platform most of the team's admins have an identity on ("" when none has one)."""
    admins = [u for u in await uow.users.list(team_id) if u.role in (Role.TEAM_ADMIN, Role.SUPER_ADMIN)]
    seen = Counter(p for u in admins for p in u.identities if p not in NOT_CHAT)
    return min(seen, key=lambda p: (-seen[p], p)) if seen else ""


async def on_nightly_flywheel(run: ScheduledRun) -> None:
    """Queue the team's flywheel run for the copilot worker (once per fire: the inbox deduplicates it)."""
    ctx = run.ctx
    if not (await TeamSettings.load(ctx.uow, ctx.team_id)).get(FLYWHEEL_ENABLED):
        return
    platform = await review_platform(ctx.uow, ctx.team_id) or SCHEDULER_PLATFORM
    conversation = ConversationRef(platform, f"flywheel:{ctx.team_id}")
    event_id = f"pilot:flywheel:{run.fired.schedule_id}:{run.fired.fire_time.isoformat()}"
    work = PilotWork(
        team_id=ctx.team_id,
        actor=SCHEDULER_ACTOR,
        conversation=conversation,
        at=ctx.now,
        event_id=event_id,
        session_id="",
        job=PilotJob.FLYWHEEL,
        seq=0,
        arg="nightly",
    )
    await ctx.uow.inbox.add(ctx.team_id, event_id, platform, codec.encode(work), ctx.now)
    ctx.queued = True

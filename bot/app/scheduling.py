"""The scheduler's parts, built for the composition root: the schedule book, the scheduled actions, the leader.

On PostgreSQL the leader is whoever holds the advisory lock (``bot.store.advisory_lock``); on SQLite the single
process leads. Fires with no conversation go to the ``scheduler`` pseudo-platform, whose sender only logs replies
a handler should not have produced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.engine.commands.escalation_reminders import on_escalation_reminder
from bot.engine.events import Actor, InboundEvent
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import Clock, Ids
from bot.engine.psa import PsaDirectory
from bot.engine.replies import Reply
from bot.engine.schedule_kinds import KINDS
from bot.engine.scheduled import ScheduledActions, ScheduleKind
from bot.jobs.scheduler import Leadership, Scheduler, SchedulerPolicy, SoleLeader
from bot.jobs.scheduler_book import Schedules
from bot.jobs.scheduler_timers import ApsTimers
from bot.store.advisory_lock import PgAdvisoryLock
from bot.store.database import Database
from bot.store.schedules import SqlSchedules

log = logging.getLogger(__name__)


class QuietSender:
    """The ``scheduler`` platform's sender: there is no chat to post to, so replies are logged and dropped."""

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        """Log what a scheduled handler tried to say with nowhere to say it."""
        if replies:
            log.warning("team %s: %d replies of a scheduled run have no conversation", team_id, len(replies))
        return []


@dataclass(slots=True)
class Scheduling:
    """The book features use, the inbox side (``actions``), and the leader loop (None when disabled)."""

    schedules: Schedules
    actions: ScheduledActions
    scheduler: Scheduler | None = None


def build_scheduling(
    database: Database,
    clock: Clock,
    ids: Ids,
    *,
    psa: PsaDirectory | None = None,
    pilot: PilotServices | None = None,
) -> Scheduling:
    """The book and the scheduled actions (the leader loop is ``build_scheduler``'s, once the worker exists)."""
    schedules = Schedules(SqlSchedules(database.engine), clock.now, ids)
    kinds = {**KINDS, ScheduleKind.ESCALATION_REMINDER: on_escalation_reminder}  # features that import the engine
    actions = ScheduledActions(database.uow, clock, ids, kinds, schedules=schedules, psa=psa, pilot=pilot)
    return Scheduling(schedules, actions)


def build_scheduler(
    settings: Settings, database: Database, clock: Clock, wake: Callable[[], None], name: str = ""
) -> Scheduler:
    """The leader loop over ``database``, waking the inbox worker after each fire."""
    leadership: Leadership = SoleLeader()
    if database.dialect == "postgresql":
        leadership = PgAdvisoryLock(database.url)
    policy = SchedulerPolicy(
        leader_poll=settings.scheduler_leader_poll,
        reload_seconds=settings.scheduler_reload,
        grace_seconds=settings.scheduler_misfire_grace,
    )
    store = SqlSchedules(database.engine)
    return Scheduler(store, leadership, clock.now, wake, policy=policy, timers=ApsTimers(), name=name)

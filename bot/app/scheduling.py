"""The scheduler's parts, built for the composition root: the schedule book, the scheduled actions, the leader.

On PostgreSQL the leader is whoever holds the advisory lock (``bot.store.advisory_lock``); on SQLite the single
process leads. Fires with no conversation go to the ``scheduler`` pseudo-platform, whose sender passes replies
addressed to a real platform on to that platform's sender and logs the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.config import Settings
from bot.engine.commands.escalation_reminders import on_escalation_reminder
from bot.engine.events import Actor, InboundEvent
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import Clock, Ids
from bot.engine.psa import PsaDirectory
from bot.engine.replies import DirectMessage, HomeView, Reply
from bot.engine.schedule_kinds import KINDS
from bot.engine.scheduled import SCHEDULER_PLATFORM, ScheduledActions, ScheduleKind
from bot.jobs.scheduler import Leadership, Scheduler, SchedulerPolicy, SoleLeader
from bot.jobs.scheduler_book import Schedules
from bot.jobs.scheduler_timers import ApsTimers
from bot.jobs.worker import Sender
from bot.store.advisory_lock import PgAdvisoryLock
from bot.store.database import Database
from bot.store.schedules import SqlSchedules

log = logging.getLogger(__name__)


class QuietSender:
    """The ``scheduler`` platform's sender. A fire with no conversation of its own (a per-team sweep) may still
    address conversations and people on real platforms (a session's thread, its owner's DMs): with ``senders`` (the
    app's, filled in as platforms are built) those replies go to their platform's sender, in order, one batch per
    platform. Replies with nowhere to go are logged and dropped."""

    def __init__(self, senders: Mapping[str, Sender] | None = None) -> None:
        self._senders = senders if senders is not None else {}

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        """Hand each reply to the sender of its platform; log what has none."""
        batches: dict[str, list[Reply]] = {}
        for reply in replies:
            batches.setdefault(platform_of(reply), []).append(reply)
        follow_ups: list[InboundEvent] = []
        for platform, batch in batches.items():
            sender = self._senders.get(platform) if platform != SCHEDULER_PLATFORM else None
            if sender is None:
                log.warning("team %s: %d replies of a scheduled run have no conversation", team_id, len(batch))
                continue
            follow_ups += await sender.send(team_id, batch, actor if actor and actor.platform == platform else None)
        return follow_ups


def platform_of(reply: Reply) -> str:
    """The platform a reply is for: its conversation's, or (direct messages, home views) its person's."""
    if isinstance(reply, DirectMessage | HomeView):
        return reply.actor.platform
    return reply.conversation.platform


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

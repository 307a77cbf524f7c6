"""Scheduled work, as the engine sees it: stored schedules, the port that keeps them, and what a fire does.

A *schedule* belongs to a team and has a ``kind`` (what to do), a ``key`` unique in the team (so a feature can
create "its" schedule idempotently: ``maintenance:<flow>``, ``escalation:<session>``), a trigger (a cron expression
in a time zone, or a one-off ``run_at``), a JSON ``payload`` and optionally the conversation its messages go to.
The background scheduler (``bot.jobs.scheduler``) turns each fire into one ``ScheduleFired`` inbox event, once per
(schedule, fire time); the inbox worker hands it to ``ScheduledActions`` (through ``ScheduledRouter``), which runs
the kind's handler in one unit of work with the inbox item marked processed in the same transaction.

To add a kind: write ``async def on_<kind>(run: ScheduledRun) -> None`` in the feature's module (``run.ctx`` is the
usual ``Ctx``, acting as the bot; ``run.fired`` the event with its payload; ``run.schedules`` the ``ScheduleBook`` to
create follow-ups) and add it to ``bot.engine.schedule_kinds.KINDS`` (a module of its own, so that feature modules
can import this one without an import cycle). Create schedules through a ``ScheduleBook`` (``put`` with a
``ScheduleSpec``), in the caller's unit of work when given one. A kind without a handler is logged and marked done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.engine.context import Ctx, UserError
from bot.engine.events import Actor, ConversationRef, InboundEvent, ScheduleFired
from bot.engine.model import Role, User
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import Clock, ConcurrentWriteError, Ids, UnitOfWork, UnitOfWorkFactory
from bot.engine.psa import PsaDirectory
from bot.engine.replies import Reply

log = logging.getLogger(__name__)

SCHEDULER_PLATFORM = "scheduler"  # the inbox kind (and conversation platform) of fires with no conversation
SCHEDULER_ACTOR = Actor(SCHEDULER_PLATFORM, "rfbot", "ResolutionFlow")
MAX_ATTEMPTS = 3


class ScheduleKind(StrEnum):
    """What a schedule does when it fires (stored as text: a value this release does not know is logged and
    skipped)."""

    ANNOUNCE = "announce"  # post ``payload["text"]`` in the schedule's conversation
    MAINTENANCE_RUN = "maintenance_run"
    ESCALATION_REMINDER = "escalation_reminder"
    NIGHTLY_FLYWHEEL = "nightly_flywheel"
    IDLE_SWEEP = "idle_sweep"


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """What a feature asks for: ``cron`` (5 fields, or 6 with seconds first) in ``timezone``, or a one-off
    ``run_at`` (timezone-aware); exactly one of the two."""

    team_id: str
    kind: str
    key: str
    cron: str = ""
    timezone: str = "UTC"
    run_at: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    conversation: ConversationRef | None = None


@dataclass(slots=True)
class Schedule:
    """A stored schedule. ``revision`` grows with every change (a fire recorded against an older revision is
    refused); ``active_from``: a cron fires only after it (creation, resume, new trigger); ``last_fire_at``: the
    latest fire recorded; ``next_fire_at``: the next fire after it as computed (None: a one-off that has fired)."""

    id: str
    team_id: str
    kind: str
    key: str
    cron: str
    timezone: str
    run_at: datetime | None
    payload: dict[str, Any]
    conversation: dict[str, Any]
    paused: bool
    revision: int
    active_from: datetime
    created_at: datetime
    updated_at: datetime
    next_fire_at: datetime | None = None
    last_fire_at: datetime | None = None

    @property
    def one_off(self) -> bool:
        """A ``run_at`` schedule (fires once per ``run_at``)."""
        return not self.cron


@dataclass(frozen=True, slots=True)
class FireRecord:
    """One recorded fire (a ``schedule_runs`` row): which process fired it, and its inbox event."""

    schedule_id: str
    fire_time: datetime
    fired_at: datetime
    fired_by: str
    inbox_id: int | None


class ScheduleBook(Protocol):
    """The port through which features create and change schedules (``bot.jobs.scheduler_book.Schedules``)."""

    async def put(self, spec: ScheduleSpec, uow: UnitOfWork | None = None) -> Schedule:
        """Create the team's schedule ``spec.key``, or replace its kind, trigger, payload and conversation (same id;
        paused stays as it was). ``ValueError`` with a readable message for a bad cron, zone or run time."""
        ...

    async def get(self, team_id: str, schedule_id: str) -> Schedule | None:
        """A schedule of the team by id."""
        ...

    async def by_key(self, team_id: str, key: str) -> Schedule | None:
        """A schedule of the team by key."""
        ...

    async def list(self, team_id: str, kind: str | None = None) -> Sequence[Schedule]:
        """The team's schedules (of one kind), by key."""
        ...

    async def pause(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """Stop firing (fires while paused are never caught up)."""
        ...

    async def resume(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """Fire again, from now on."""
        ...

    async def remove(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> bool:
        """Delete the schedule and its runs."""
        ...


@dataclass(slots=True)
class ScheduledRun:
    """What a kind's handler gets: the context (acting as the bot), the fire, and the schedule book."""

    ctx: Ctx
    fired: ScheduleFired
    schedules: ScheduleBook | None = None


ScheduledHandler = Callable[[ScheduledRun], Awaitable[None]]


def bot_user(team_id: str) -> User:
    """The user scheduled work acts as (never stored; timeline entries name it ``ResolutionFlow``). Team admin, so
    rules that let admins act for an engineer (pause, abandon) let the bot do it too."""
    return User(
        id=SCHEDULER_ACTOR.key, team_id=team_id, display_name=SCHEDULER_ACTOR.display_name, role=Role.TEAM_ADMIN
    )


def conversation_of(schedule: Schedule) -> ConversationRef:
    """Where a fire's messages go: the schedule's conversation, else a per-schedule ``scheduler`` lane."""
    if schedule.conversation.get("platform"):
        return ConversationRef.from_dict(schedule.conversation)
    return ConversationRef(SCHEDULER_PLATFORM, schedule.id)


def fired_event(schedule: Schedule, fire_time: datetime, dedupe_key: str) -> ScheduleFired:
    """The inbox event of one fire."""
    return ScheduleFired(
        team_id=schedule.team_id,
        actor=SCHEDULER_ACTOR,
        conversation=conversation_of(schedule),
        at=fire_time,
        event_id=dedupe_key,
        schedule_id=schedule.id,
        kind=schedule.kind,
        fire_time=fire_time,
        payload=dict(schedule.payload),
        session_id=str(schedule.payload.get("session_id", "")),
    )


class ScheduledActions:
    """Runs a ``ScheduleFired`` event's handler, by kind (``kinds``: ``bot.engine.schedule_kinds.KINDS``), in one unit
    of work (retried on a concurrent write)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: Ids,
        kinds: Mapping[str, ScheduledHandler],
        *,
        schedules: ScheduleBook | None = None,
        psa: PsaDirectory | None = None,
        pilot: PilotServices | None = None,
    ) -> None:
        self._uow_factory, self._clock, self._ids = uow_factory, clock, ids
        self._kinds, self.schedules, self._psa, self._pilot = kinds, schedules, psa, pilot
        self.wake_outbox: Callable[[], None] | None = None  # the outbox worker's wake-up, called after a push commits

    async def handle(self, event: ScheduleFired, inbox_id: int | None = None) -> list[Reply]:
        """Run the fire; with ``inbox_id`` the inbox item is marked processed in the same transaction (a fire handed
        over twice takes effect once). A refusal (``UserError``) or an unknown kind changes nothing and is done."""
        handler = self._kinds.get(event.kind)
        for _ in range(MAX_ATTEMPTS):
            async with self._uow_factory() as uow:
                now = self._clock.now()
                ctx = Ctx(
                    uow,
                    event,
                    bot_user(event.team_id),
                    now,
                    self._ids,
                    psa=self._psa,
                    pilot=self._pilot,
                    schedules=self.schedules,
                )
                try:
                    if handler is None:
                        log.warning(
                            "schedule %s fired with unknown kind %r; marked done", event.schedule_id, event.kind
                        )
                    else:
                        await handler(ScheduledRun(ctx, event, self.schedules))
                except UserError as err:
                    await uow.rollback()
                    log.info("schedule %s (%s) changed nothing: %s", event.schedule_id, event.kind, err.message)
                    await self._mark(inbox_id)
                    return []
                except ConcurrentWriteError:
                    await uow.rollback()
                    continue
                if inbox_id is not None and not await uow.inbox.mark_processed(inbox_id, now):
                    await uow.rollback()  # another run already applied this fire
                    return []
                await uow.commit()
                if ctx.queued and self._pilot is not None and self._pilot.wake is not None:
                    self._pilot.wake()
                if ctx.pushed and self.wake_outbox is not None:
                    self.wake_outbox()
                return ctx.replies
        log.warning("schedule %s (%s) gave up after %d concurrent writes", event.schedule_id, event.kind, MAX_ATTEMPTS)
        await self._mark(inbox_id)
        return []

    async def _mark(self, inbox_id: int | None) -> None:
        if inbox_id is None:
            return
        async with self._uow_factory() as uow:
            await uow.inbox.mark_processed(inbox_id, self._clock.now())
            await uow.commit()


class EventHandler(Protocol):
    """The engine, as the inbox worker calls it."""

    async def handle(
        self,
        event: InboundEvent,
        inbox_id: int | None = None,
        progress: Callable[[list[Reply]], Awaitable[None]] | None = None,
    ) -> list[Reply]:
        """Handle one event."""
        ...


class ScheduledRouter:
    """The inbox worker's handler: ``ScheduleFired`` to the scheduled actions, everything else to the engine."""

    def __init__(self, engine: EventHandler, actions: ScheduledActions) -> None:
        self.engine, self.actions = engine, actions

    async def handle(
        self,
        event: InboundEvent,
        inbox_id: int | None = None,
        progress: Callable[[list[Reply]], Awaitable[None]] | None = None,
    ) -> list[Reply]:
        """Route one event."""
        if isinstance(event, ScheduleFired):
            return await self.actions.handle(event, inbox_id)
        return await self.engine.handle(event, inbox_id, progress)

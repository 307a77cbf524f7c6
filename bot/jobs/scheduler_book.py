"""``Schedules``: the ``ScheduleBook`` features use to create, change, pause and remove schedules.

It checks triggers with APScheduler (a bad cron or zone is a ``ValueError`` whose message can be shown to the user),
computes each schedule's next fire, and writes through the store optimistically (a concurrent change is re-read and
retried). ``put`` with nothing new writes nothing, so a feature may call it on every start. After a change the
``on_change`` hook (the local scheduler's ``reload_soon``) is called; other replicas' leaders see it at their next
reload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from bot.engine.ports import ConcurrentWriteError, Ids, UnitOfWork
from bot.engine.scheduled import Schedule, ScheduleSpec
from bot.jobs.scheduler_plan import check, next_fire

ATTEMPTS = 3
KEY_LIMIT = 200


class ScheduleWriter(Protocol):
    """The store's side (``bot.store.schedules.SqlSchedules``)."""

    async def insert(self, schedule: Schedule, uow: UnitOfWork | None = None) -> bool:
        """Insert; False when the key is taken."""
        ...

    async def update(self, schedule: Schedule, expected_revision: int, uow: UnitOfWork | None = None) -> bool:
        """Write over ``expected_revision``; False when it moved on."""
        ...

    async def get(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """By id."""
        ...

    async def by_key(self, team_id: str, key: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """By key."""
        ...

    async def list(self, team_id: str, kind: str | None = None) -> Sequence[Schedule]:
        """The team's schedules."""
        ...

    async def delete(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> bool:
        """Delete."""
        ...


def _check(spec: ScheduleSpec) -> None:
    if not spec.team_id or not spec.kind or not spec.key:
        raise ValueError("a schedule needs a team, a kind and a key")
    if len(spec.key) > KEY_LIMIT:
        raise ValueError(f"a schedule key is at most {KEY_LIMIT} characters")
    check(spec.cron.strip(), spec.timezone, spec.run_at)


class Schedules:
    """Implements ``bot.engine.scheduled.ScheduleBook`` (see the module docstring)."""

    def __init__(
        self,
        store: ScheduleWriter,
        clock: Callable[[], datetime],
        ids: Ids,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._store, self._clock, self._ids = store, clock, ids
        self.on_change = on_change

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    async def put(self, spec: ScheduleSpec, uow: UnitOfWork | None = None) -> Schedule:
        """Create the team's schedule ``spec.key`` or bring it up to ``spec`` (``ScheduleBook.put``)."""
        _check(spec)
        cron, run_at = " ".join(spec.cron.split()), spec.run_at.astimezone(UTC) if spec.run_at else None
        conversation = spec.conversation.to_dict() if spec.conversation is not None else {}
        for _ in range(ATTEMPTS):
            now = self._clock()
            old = await self._store.by_key(spec.team_id, spec.key, uow)
            if old is None:
                new = Schedule(
                    id=self._ids.new(),
                    team_id=spec.team_id,
                    kind=spec.kind,
                    key=spec.key,
                    cron=cron,
                    timezone=spec.timezone or "UTC",
                    run_at=run_at,
                    payload=dict(spec.payload),
                    conversation=conversation,
                    paused=False,
                    revision=1,
                    active_from=now,
                    created_at=now,
                    updated_at=now,
                )
                new.next_fire_at = next_fire(new)
                if await self._store.insert(new, uow):
                    self._changed()
                    return new
                continue
            trigger = (cron, spec.timezone or "UTC", run_at)
            retrigger = trigger != (old.cron, old.timezone, old.run_at)
            same = not retrigger and (spec.kind, dict(spec.payload), conversation) == (
                old.kind,
                old.payload,
                old.conversation,
            )
            if same:
                return old
            new = replace(
                old,
                kind=spec.kind,
                cron=cron,
                timezone=spec.timezone or "UTC",
                run_at=run_at,
                payload=dict(spec.payload),
                conversation=conversation,
                revision=old.revision + 1,
                updated_at=now,
                active_from=now if retrigger and cron else old.active_from,
            )
            new.next_fire_at = next_fire(new)
            if await self._store.update(new, old.revision, uow):
                self._changed()
                return new
        raise ConcurrentWriteError(f"schedule {spec.key!r} kept changing")

    async def get(self, team_id: str, schedule_id: str) -> Schedule | None:
        """A schedule of the team by id."""
        return await self._store.get(team_id, schedule_id)

    async def by_key(self, team_id: str, key: str) -> Schedule | None:
        """A schedule of the team by key."""
        return await self._store.by_key(team_id, key)

    async def list(self, team_id: str, kind: str | None = None) -> Sequence[Schedule]:
        """The team's schedules (of one kind), by key."""
        return await self._store.list(team_id, kind)

    async def pause(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """Stop firing; None when there is no such schedule."""
        return await self._set_paused(team_id, schedule_id, True, uow)

    async def resume(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        """Fire again: a cron from now on (what fell due while paused is not caught up), a one-off that has not run
        yet at its time or at once if that has passed (within the grace); None when there is no such schedule."""
        return await self._set_paused(team_id, schedule_id, False, uow)

    async def _set_paused(
        self, team_id: str, schedule_id: str, paused: bool, uow: UnitOfWork | None
    ) -> Schedule | None:
        for _ in range(ATTEMPTS):
            old = await self._store.get(team_id, schedule_id, uow)
            if old is None or old.paused == paused:
                return old
            now = self._clock()
            new = replace(old, paused=paused, revision=old.revision + 1, updated_at=now)
            if not paused:  # a cron starts afresh; a one-off not run yet still runs (within the grace)
                new.active_from = now
                new.next_fire_at = next_fire(new)
            if await self._store.update(new, old.revision, uow):
                self._changed()
                return new
        raise ConcurrentWriteError(f"schedule {schedule_id} kept changing")

    async def remove(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> bool:
        """Delete the schedule and its runs; False when there was none."""
        removed = await self._store.delete(team_id, schedule_id, uow)
        if removed:
            self._changed()
        return removed

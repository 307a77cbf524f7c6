"""In-memory schedules: ``bot.jobs.scheduler.ScheduleStore`` and ``bot.jobs.scheduler_book.ScheduleWriter`` with the
SQL store's guards (a fire is recorded once per (schedule, fire time), only over the revision it was planned from,
never for a paused schedule or an earlier time than the last fire), and a log of the inbox events it queued."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.engine.ports import UnitOfWork
from bot.engine.scheduled import FireRecord, Schedule


@dataclass
class QueuedEvent:
    """An inbox row ``record_fire`` wrote."""

    team_id: str
    kind: str
    dedupe_key: str
    payload: dict[str, Any]


@dataclass
class MemorySchedules:
    """Schedules, runs and queued inbox events in memory."""

    rows: dict[str, Schedule] = field(default_factory=dict)
    fires: list[FireRecord] = field(default_factory=list)
    inbox: list[QueuedEvent] = field(default_factory=list)
    failing: bool = False  # record_fire raises (the database is away)
    loads: int = 0

    async def insert(self, schedule: Schedule, uow: UnitOfWork | None = None) -> bool:
        if any(s.team_id == schedule.team_id and s.key == schedule.key for s in self.rows.values()):
            return False
        self.rows[schedule.id] = copy.deepcopy(schedule)
        return True

    async def update(self, schedule: Schedule, expected_revision: int, uow: UnitOfWork | None = None) -> bool:
        old = self.rows.get(schedule.id)
        if old is None or old.revision != expected_revision:
            return False
        self.rows[schedule.id] = copy.deepcopy(schedule)
        return True

    async def get(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> Schedule | None:
        s = self.rows.get(schedule_id)
        return copy.deepcopy(s) if s is not None and s.team_id == team_id else None

    async def by_key(self, team_id: str, key: str, uow: UnitOfWork | None = None) -> Schedule | None:
        found = [s for s in self.rows.values() if s.team_id == team_id and s.key == key]
        return copy.deepcopy(found[0]) if found else None

    async def list(self, team_id: str, kind: str | None = None) -> Sequence[Schedule]:
        found = [s for s in self.rows.values() if s.team_id == team_id and (kind is None or s.kind == kind)]
        return [copy.deepcopy(s) for s in sorted(found, key=lambda s: s.key)]

    async def delete(self, team_id: str, schedule_id: str, uow: UnitOfWork | None = None) -> bool:
        if await self.get(team_id, schedule_id) is None:
            return False
        del self.rows[schedule_id]
        self.fires = [f for f in self.fires if f.schedule_id != schedule_id]
        return True

    async def load_active(self) -> Sequence[Schedule]:
        self.loads += 1
        return [copy.deepcopy(s) for s in self.rows.values() if not s.paused and s.next_fire_at is not None]

    async def record_fire(
        self,
        schedule: Schedule,
        fire_time: datetime,
        next_fire_at: datetime | None,
        *,
        fired_at: datetime,
        fired_by: str,
        inbox_kind: str,
        dedupe_key: str,
        payload: dict[str, Any],
    ) -> FireRecord | None:
        if self.failing:
            raise ConnectionError("database is away")
        row = self.rows.get(schedule.id)
        if row is None or row.revision != schedule.revision or row.paused:
            return None
        if row.last_fire_at is not None and row.last_fire_at >= fire_time:
            return None
        if any(f.schedule_id == schedule.id and f.fire_time == fire_time for f in self.fires):
            return None
        row.last_fire_at, row.next_fire_at = fire_time, next_fire_at
        self.inbox.append(QueuedEvent(schedule.team_id, inbox_kind, dedupe_key, payload))
        record = FireRecord(schedule.id, fire_time, fired_at, fired_by, len(self.inbox))
        self.fires.append(record)
        return record

    def fire_times(self, schedule_id: str) -> list[datetime]:
        """The recorded fire times of one schedule, in order."""
        return sorted(f.fire_time for f in self.fires if f.schedule_id == schedule_id)

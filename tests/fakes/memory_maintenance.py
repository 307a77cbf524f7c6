"""The in-memory maintenance runs repository (part of ``tests.fakes.memory_store``).

``save`` is conditional like the SQL one, on the version COMMITTED to the shared database as well as the unit of
work's own copy, so a unit of work that read a run before another one committed a change loses the race.
``before_save`` (an attribute tests may set on the ``MemoryDatabase``) runs before each save: a test uses it to
commit a rival click at exactly that moment.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from bot.engine.maintenance.records import MaintenanceRun
from bot.engine.ports import ConcurrentWriteError


class MaintenanceRuns:
    """The fake ``MaintenanceRunRepository``."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    @property
    def s(self) -> Any:
        return self._uow.state

    async def add(self, run: MaintenanceRun) -> bool:
        taken = any(
            r.schedule_id and r.schedule_id == run.schedule_id and r.fire_time == run.fire_time
            for r in self.s.maintenance_runs.values()
        )
        if taken:
            return False
        self.s.maintenance_runs[run.id] = copy.deepcopy(run)
        return True

    async def get(self, team_id: str, run_id: str) -> MaintenanceRun | None:
        found = self.s.maintenance_runs.get(run_id)
        return copy.deepcopy(found) if found is not None and found.team_id == team_id else None

    async def by_fire(self, team_id: str, schedule_id: str, fire_time: datetime) -> MaintenanceRun | None:
        for run in self.s.maintenance_runs.values():
            if run.team_id == team_id and schedule_id and run.schedule_id == schedule_id and run.fire_time == fire_time:
                return copy.deepcopy(run)
        return None

    async def save(self, run: MaintenanceRun, expected_version: int) -> None:
        hook = getattr(self._uow._db, "before_save", None)
        if hook is not None:
            self._uow._db.before_save = None
            await hook()
        mine = self.s.maintenance_runs.get(run.id)
        committed = self._uow._db.state.maintenance_runs.get(run.id)
        versions = {r.version for r in (mine, committed) if r is not None}
        if mine is None or mine.team_id != run.team_id or versions != {expected_version}:
            raise ConcurrentWriteError(f"maintenance run {run.id} changed since it was read")
        run.version = expected_version + 1
        self.s.maintenance_runs[run.id] = copy.deepcopy(run)

    async def recent(self, team_id: str, limit: int = 10) -> list[MaintenanceRun]:
        found = [r for r in self.s.maintenance_runs.values() if r.team_id == team_id]
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return [copy.deepcopy(r) for r in found[:limit]]

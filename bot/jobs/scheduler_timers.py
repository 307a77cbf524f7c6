"""APScheduler 3's ``AsyncIOScheduler`` as the leader's timers: one in-memory job per schedule, fed from the table.

The jobs hold no state of their own: each calls ``Scheduler.fire_due(schedule_id)``, which decides from the stored
schedule and the clock what (if anything) to record. APScheduler's misfire handling is switched off (no grace
limit, coalescing on) because catching up is the scheduler's business (``bot.jobs.scheduler_plan``); one-offs whose
time has passed get no job (the next poll records them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError  # type: ignore[import-untyped]
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

from bot.engine.scheduled import Schedule
from bot.jobs.scheduler import OnDue
from bot.jobs.scheduler_plan import TriggerError, trigger_of

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


class ApsTimers:
    """Implements ``bot.jobs.scheduler.Timers`` with an ``AsyncIOScheduler`` (started on the running loop)."""

    def __init__(self) -> None:
        self._aps: AsyncIOScheduler | None = None
        self._on_due: OnDue | None = None
        self._revisions: dict[str, int] = {}  # schedule id -> the revision its job was made from

    @property
    def job_ids(self) -> set[str]:
        """The schedules that have a job now."""
        return set(self._revisions)

    def start(self, on_due: OnDue) -> None:
        """Start APScheduler on the running event loop."""
        self.stop()
        self._on_due = on_due
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        self._aps.start()

    def sync(self, schedules: Sequence[Schedule], now: datetime) -> None:
        """Add, replace (new revision) and remove jobs so that there is one per schedule with a future fire."""
        if self._aps is None:
            return
        wanted = {
            s.id: s
            for s in schedules
            if not s.paused and s.next_fire_at is not None and not (s.one_off and s.next_fire_at <= now)
        }
        for schedule_id in [i for i in self._revisions if i not in wanted]:
            self._remove(schedule_id)
        for schedule in wanted.values():
            if self._revisions.get(schedule.id) == schedule.revision:
                continue
            try:
                trigger = trigger_of(schedule.cron, schedule.timezone, None if schedule.cron else schedule.run_at)
            except TriggerError:
                self._remove(schedule.id)  # stored before a check existed: the poll logs nothing due for it
                continue
            self._aps.add_job(
                self._on_due, trigger, args=[schedule.id], id=schedule.id, name=schedule.key, replace_existing=True
            )
            self._revisions[schedule.id] = schedule.revision

    def _remove(self, schedule_id: str) -> None:
        self._revisions.pop(schedule_id, None)
        if self._aps is not None:
            with contextlib.suppress(JobLookupError):  # a one-off's job is gone once it ran
                self._aps.remove_job(schedule_id)

    def stop(self) -> None:
        """Shut APScheduler down (fires in progress finish; the scheduler ignores them once it is not the leader)."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
        self._aps, self._revisions = None, {}

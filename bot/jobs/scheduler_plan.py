"""What is due, as pure functions of (schedules with their last fires, now): no timers, no database, no wall clock.

Triggers are APScheduler's, so cron semantics (ranges, steps, names, DST) are APScheduler's: a 5-field crontab goes
to ``CronTrigger.from_crontab(expr, timezone=zone)``; 6 fields are the same with a leading seconds field; a one-off
is a ``DateTrigger``. Every time leaving this module is UTC.

Catch-up and coalescing: a schedule is due at the LATEST of its fire times in ``(since, now]`` (earlier missed ones
are coalesced into it), provided that time is at most ``grace`` old; older fires are dropped. ``since`` is the
schedule's last recorded fire and, for a cron, never before ``active_from`` (creation, resume, a new trigger: a
schedule never fires for times before it existed or while it was paused). A one-off is due once per ``run_at``.
Because the fire time comes from the trigger, never from the clock, every replica computes the same (schedule, fire
time) for the same fire: that pair is what the store makes unique.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.date import DateTrigger  # type: ignore[import-untyped]

from bot.engine.scheduled import Schedule

log = logging.getLogger(__name__)
TICK = timedelta(microseconds=1)
MAX_STEPS = 100_000  # fire times walked per catch-up at most (a per-second cron over a one-day grace)


class TriggerError(ValueError):
    """A cron expression, time zone or run time that cannot be scheduled (the message says why)."""


@dataclass(frozen=True, slots=True)
class Due:
    """One fire to record: the schedule, its fire time, and the schedule's next fire after it."""

    schedule: Schedule
    fire_time: datetime
    next_fire_at: datetime | None


def zone(name: str) -> ZoneInfo:
    """An IANA time zone (``TriggerError`` for an unknown name)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise TriggerError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from err


@lru_cache(maxsize=4096)
def trigger_of(cron: str, timezone: str = "UTC", run_at: datetime | None = None) -> BaseTrigger:
    """The APScheduler trigger of a schedule's fields; exactly one of ``cron`` and ``run_at``."""
    if bool(cron.strip()) == (run_at is not None):
        raise TriggerError("a schedule needs either a cron expression or a run time (not both)")
    tz = zone(timezone)
    if run_at is not None:
        if run_at.tzinfo is None:
            raise TriggerError("a run time needs a time zone")
        return DateTrigger(run_date=run_at.astimezone(UTC), timezone=tz)
    fields = cron.split()
    if len(fields) not in (5, 6):
        raise TriggerError(f"bad cron expression {cron!r}: expected 5 fields (minute hour day month weekday) or 6")
    try:
        *rest, day_of_week = fields
        weekdays = crontab_weekdays(day_of_week)
        if len(fields) == 5:
            return CronTrigger.from_crontab(" ".join([*rest, weekdays]), timezone=tz)
        second, minute, hour, day, month = rest
        return CronTrigger(
            second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=weekdays, timezone=tz
        )
    except ValueError as err:
        raise TriggerError(f"bad cron expression {cron!r}: {err}") from err


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field (0 or 7 = Sunday, 1 = Monday …; names; ranges, lists and steps) as weekday names.

    APScheduler 3 numbers weekdays from Monday = 0 (its ``from_crontab`` warns about it), so ``1-5`` would mean
    Tuesday to Saturday; names mean the same to both. A field without digits or steps is passed on unchanged."""
    if not any(c.isdigit() or c == "/" for c in field):
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            first, last = 0, 6
        else:
            low, _, high = span.partition("-")
            first = _weekday(low)
            last = _weekday(high) if high else (6 if step_text else first)
            if high and last == 0 and first > 0:
                last = 7  # "fri-sun"
        if step < 1 or last < first:
            raise ValueError(f"bad weekday range {part!r}")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(WEEKDAYS[d] for d in sorted(days))


WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday(text: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)  # 7 is Sunday too (as the end of a range: "5-7")
    if text[:3] in WEEKDAYS:
        return WEEKDAYS.index(text[:3])
    raise ValueError(f"bad weekday {text!r}")


def check(cron: str, timezone: str = "UTC", run_at: datetime | None = None) -> None:
    """Raise ``TriggerError`` unless the fields make a trigger."""
    trigger_of(cron, timezone, run_at)


def _trigger(schedule: Schedule) -> BaseTrigger:
    return trigger_of(schedule.cron, schedule.timezone, None if schedule.cron else schedule.run_at)


def since(schedule: Schedule) -> datetime | None:
    """The instant after which the schedule's next fire lies (None: a one-off never fired)."""
    if schedule.one_off:
        return schedule.last_fire_at
    last = schedule.last_fire_at
    return schedule.active_from if last is None or last < schedule.active_from else last


def _after(trigger: BaseTrigger, moment: datetime) -> datetime | None:
    """The trigger's first fire strictly after ``moment``, in UTC."""
    fire: datetime | None = trigger.get_next_fire_time(moment, moment)
    return None if fire is None else fire.astimezone(UTC)


def next_fire(schedule: Schedule, after: datetime | None = None) -> datetime | None:
    """The schedule's first fire after ``after`` (default: after ``since``); None when a one-off is spent."""
    if schedule.one_off:
        run_at = schedule.run_at
        last = after or schedule.last_fire_at
        return None if run_at is None or (last is not None and run_at <= last) else run_at.astimezone(UTC)
    start = after or since(schedule)
    assert start is not None  # a cron's since is at least active_from
    return _after(_trigger(schedule), start)


def due_fire(schedule: Schedule, now: datetime, grace: timedelta) -> datetime | None:
    """The fire to record now: the latest fire time in ``(since, now]`` that is at most ``grace`` old (see the module
    docstring), or None. Paused schedules are never due."""
    if schedule.paused or (schedule.next_fire_at is not None and schedule.next_fire_at > now):
        return None
    oldest = now - grace
    if schedule.one_off:
        fire = next_fire(schedule)
        return fire if fire is not None and oldest <= fire <= now else None
    trigger, start = _trigger(schedule), since(schedule)
    assert start is not None
    fire = _after(trigger, max(start, oldest - TICK))
    if fire is None or fire > now:
        return None
    for _ in range(MAX_STEPS):
        later = _after(trigger, fire)
        if later is None or later > now:
            break
        fire = later
    return fire


def plan(schedules: Iterable[Schedule], now: datetime, grace: timedelta) -> list[Due]:
    """Every fire due now, one per schedule at most (coalesced), with the next fire after each; by fire time."""
    due = []
    for schedule in schedules:
        try:
            fire = due_fire(schedule, now, grace)
            if fire is not None:
                due.append(Due(schedule, fire, next_fire(schedule, after=fire)))
        except TriggerError as err:  # stored by hand or by an older release: the others still fire
            log.warning("schedule %s cannot fire: %s", schedule.id, err)
    return sorted(due, key=lambda d: (d.fire_time, d.schedule.id))


def dedupe_key(schedule_id: str, fire_time: datetime) -> str:
    """The inbox dedupe key of one fire: the same on every replica."""
    return f"schedule:{schedule_id}:{fire_time.astimezone(UTC).isoformat()}"

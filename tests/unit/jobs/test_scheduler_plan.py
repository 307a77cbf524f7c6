"""What is due, from (schedules, now) alone: APScheduler's cron semantics in the schedule's zone, catch-up coalesced to
the latest missed fire within the grace, nothing before a schedule existed or while it was paused, one-offs once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.engine.scheduled import Schedule
from bot.jobs.scheduler_plan import TriggerError, check, crontab_weekdays, dedupe_key, due_fire, next_fire, plan

T0 = datetime(2026, 3, 27, 12, 0, 30, tzinfo=UTC)  # a Friday; Europe/Berlin moves to summer time on Sunday the 29th
HOUR = timedelta(hours=1)


def cron(expr: str, zone: str = "UTC", *, active_from: datetime = T0, last: datetime | None = None) -> Schedule:
    s = Schedule(
        id="s1",
        team_id="t1",
        kind="announce",
        key="k",
        cron=expr,
        timezone=zone,
        run_at=None,
        payload={},
        conversation={},
        paused=False,
        revision=1,
        active_from=active_from,
        created_at=active_from,
        updated_at=active_from,
        last_fire_at=last,
    )
    s.next_fire_at = next_fire(s)
    return s


def one_off(run_at: datetime, last: datetime | None = None) -> Schedule:
    s = replace(cron("* * * * *"), cron="", run_at=run_at, last_fire_at=last)
    s.next_fire_at = next_fire(s)
    return s


def at(hour: int, minute: int = 0, second: int = 0, day: int = 27) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def test_a_crontab_fires_at_its_times_in_its_zone_across_a_dst_change() -> None:
    s = cron("0 9 * * *", "Europe/Berlin")
    fires = []
    after = T0
    for _ in range(3):
        nxt = next_fire(s, after)
        assert nxt is not None
        fires.append(nxt)
        after = nxt
    assert fires == [at(8, day=28), at(7, day=29), at(7, day=30)]  # 09:00 CET, then 09:00 CEST
    assert all(f.tzinfo is UTC for f in fires)


def test_six_fields_have_seconds_first() -> None:
    s = cron("*/15 * * * * *")
    assert next_fire(s) == at(12, 0, 45)
    assert due_fire(s, at(12, 0, 44), HOUR) is None
    assert due_fire(s, at(12, 0, 45), HOUR) == at(12, 0, 45)


def test_nothing_is_due_before_the_first_fire_or_before_the_schedule_existed() -> None:
    s = cron("0 12 * * *")  # created at 12:00:30: today's 12:00 is not its
    assert due_fire(s, at(12, 0, 30), HOUR) is None
    assert due_fire(s, at(23, 59), HOUR) is None
    assert due_fire(s, at(12, day=28), HOUR) == at(12, day=28)


def test_missed_fires_coalesce_into_the_latest() -> None:
    s = cron("*/5 * * * *", active_from=at(12), last=at(12, 5))
    assert due_fire(s, at(12, 37), HOUR) == at(12, 35)  # 12:10 … 12:35 missed: one fire, the latest


def test_a_fire_older_than_the_grace_is_dropped() -> None:
    s = cron("0 * * * *", active_from=at(7), last=at(8))
    assert due_fire(s, at(11, 30), timedelta(minutes=40)) == at(11)  # 11:00 is 30 min old; 09:00, 10:00 coalesced
    assert due_fire(s, at(11, 30), timedelta(minutes=20)) is None
    assert due_fire(s, at(11, 30), timedelta(minutes=30)) == at(11)  # exactly at the edge still runs


def test_a_recorded_fire_is_not_due_again() -> None:
    s = cron("*/5 * * * *", active_from=at(12), last=at(12, 35))
    assert due_fire(s, at(12, 37), HOUR) is None
    assert next_fire(s) == at(12, 40)


def test_paused_schedules_are_never_due() -> None:
    s = replace(cron("* * * * *"), paused=True)
    assert due_fire(s, at(13), HOUR) is None


def test_after_a_resume_only_fires_after_active_from_count() -> None:
    s = cron("* * * * *", active_from=at(12, 30, 10), last=at(12, 1))  # paused 12:01 .. resumed 12:30:10
    assert due_fire(s, at(12, 30, 50), HOUR) is None
    assert due_fire(s, at(12, 31, 5), HOUR) == at(12, 31)


def test_a_one_off_fires_once_within_the_grace() -> None:
    s = one_off(at(12, 10))
    assert s.next_fire_at == at(12, 10)
    assert due_fire(s, at(12, 9), HOUR) is None
    assert due_fire(s, at(12, 30), HOUR) == at(12, 10)
    assert due_fire(s, at(14), HOUR) is None  # too late
    fired = replace(s, last_fire_at=at(12, 10), next_fire_at=None)
    assert due_fire(fired, at(12, 30), HOUR) is None
    assert next_fire(fired) is None
    rearmed = replace(fired, run_at=at(12, 40))  # a reminder pushed later runs again
    rearmed.next_fire_at = next_fire(rearmed)
    assert due_fire(rearmed, at(12, 41), HOUR) == at(12, 40)


def test_plan_is_one_fire_per_schedule_in_fire_time_order_with_the_next_one() -> None:
    a = replace(cron("*/10 * * * *", active_from=at(10), last=at(11)), id="a")
    b = replace(one_off(at(11, 55)), id="b")
    c = replace(cron("0 0 * * *"), id="c")
    due = plan([a, b, c], at(12, 3), HOUR)
    assert [(d.schedule.id, d.fire_time, d.next_fire_at) for d in due] == [
        ("b", at(11, 55), None),
        ("a", at(12), at(12, 10)),
    ]


def test_a_schedule_with_a_bad_stored_trigger_does_not_stop_the_others() -> None:
    good = replace(cron("*/10 * * * *", active_from=at(10), last=at(11)), id="good")
    bad = replace(good, id="bad", cron="not a cron", next_fire_at=None)
    assert [d.schedule.id for d in plan([bad, good], at(12, 3), HOUR)] == ["good"]


@pytest.mark.parametrize(
    ("expr", "zone", "run_at", "message"),
    [
        ("61 * * * *", "UTC", None, "bad cron expression"),
        ("* * *", "UTC", None, "5 fields"),
        ("* * * * *", "Mars/Olympus", None, "unknown time zone"),
        ("", "UTC", None, "either a cron expression or a run time"),
        ("* * * * *", "UTC", T0, "either a cron expression or a run time"),
        ("", "UTC", datetime(2026, 1, 1), "needs a time zone"),
    ],
)
def test_bad_triggers_are_refused_with_a_reason(expr: str, zone: str, run_at: datetime | None, message: str) -> None:
    with pytest.raises(TriggerError, match=message):
        check(expr, zone, run_at)


def test_the_dedupe_key_is_the_same_whatever_zone_the_fire_time_is_in() -> None:
    berlin = at(8).astimezone(ZoneInfo("Europe/Berlin"))
    assert dedupe_key("s1", berlin) == dedupe_key("s1", at(8)) == "schedule:s1:2026-03-27T08:00:00+00:00"


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("0-7", "sun,mon,tue,wed,thu,fri,sat"),
        ("5-7", "sun,fri,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("1-5/2", "mon,wed,fri"),
        ("1,fri-sun", "sun,mon,fri,sat"),
        ("mon-fri", "mon-fri"),
        ("*", "*"),
    ],
)
def test_crontab_weekdays_count_from_sunday_as_crontab_does(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


def test_weekdays_mean_what_crontab_means_not_apschedulers_monday_zero() -> None:
    s = cron("0 9 * * 1-5")  # T0 is Friday the 27th, after 09:00
    fires, after = [], T0
    for _ in range(3):
        after = next_fire(s, after)  # type: ignore[assignment]
        fires.append(after)
    assert fires == [at(9, day=30), at(9, day=31), datetime(2026, 4, 1, 9, tzinfo=UTC)]  # Mon, Tue, Wed
    assert next_fire(cron("0 9 * * 0")) == at(9, day=29)  # Sunday


@pytest.mark.parametrize("field", ["8", "1-x", "5-1", "*/0"])
def test_bad_weekdays_are_refused(field: str) -> None:
    with pytest.raises(TriggerError, match="weekday"):
        check(f"0 9 * * {field}")

"""The scheduler as the composition root builds it: started and stopped with the web app, its fires handled by the
app's inbox worker (a fire with no conversation goes to the quiet ``scheduler`` sender); off when disabled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from bot.app import build_app
from bot.app.scheduling import QuietSender
from bot.config import Settings
from bot.engine.scheduled import SCHEDULER_PLATFORM, ScheduleKind, ScheduleSpec
from bot.store.database import Database
from bot.store.schedules import SqlSchedules
from tests.fakes.memory_store import FakeClock

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def settings(url: str, **values: object) -> Settings:
    return Settings(_env_file=None, database_url=url, scheduler_leader_poll=0.05, **values)  # type: ignore[call-arg]


async def test_the_web_app_runs_the_scheduler_and_its_fires_reach_the_worker(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(NOW)
    app = build_app(settings(database.url), clock=clock)
    assert app.scheduler is not None and app.schedules is not None
    assert isinstance(app.senders[SCHEDULER_PLATFORM], QuietSender)
    team_id = await app.engine.ensure_team("acme")
    spec = ScheduleSpec(
        team_id, ScheduleKind.ANNOUNCE, "hello", run_at=NOW + timedelta(minutes=1), payload={"text": "hi"}
    )
    schedule = await app.schedules.put(spec)
    clock.advance(minutes=2)
    runner = web.AppRunner(app.web_app(), access_log=None)
    await runner.setup()  # starts the workers and the scheduler
    try:
        for _ in range(500):
            async with database.uow() as uow:
                if app.scheduler.fired and not await uow.inbox.pending():
                    break
            await asyncio.sleep(0.01)
        assert app.scheduler.leading and app.scheduler.fired == 1
    finally:
        await runner.cleanup()  # stops them (the leader hands over) and closes the app
    assert not app.scheduler.leading
    check = Database(database.url)
    try:
        async with check.uow() as uow:
            assert await uow.inbox.pending() == []  # handled by the app's worker
        runs = await SqlSchedules(check.engine).runs(schedule.id)
        assert [r.fire_time for r in runs] == [NOW + timedelta(minutes=1)]
    finally:
        await check.dispose()
    assert "have no conversation" in caplog.text  # the announce had nowhere to go


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_disabled_there_is_no_scheduler_but_schedules_can_still_be_made(database: Database) -> None:
    app = build_app(settings(database.url, scheduler_enabled=False), clock=FakeClock(NOW))
    try:
        assert app.scheduler is None and app.schedules is not None
    finally:
        await app.close()

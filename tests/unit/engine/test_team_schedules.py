"""Every team's periodic schedules: ensured for every team in the team's time zone, idempotently."""

from __future__ import annotations

from bot.engine.model import Team
from bot.engine.system import UuidIds
from bot.engine.team_schedules import IDLE_SWEEP_KEY, TEAM_SCHEDULES, ensure_every_team, ensure_schedules_for
from bot.engine.team_settings import TIMEZONE
from bot.jobs.scheduler_book import Schedules
from tests.fakes.memory_schedules import MemorySchedules
from tests.fakes.memory_store import FakeClock, MemoryDatabase


async def test_every_team_gets_its_schedules_in_its_time_zone_and_ensuring_again_writes_nothing() -> None:
    db, clock = MemoryDatabase(), FakeClock()
    async with db() as uow:
        for name in ("acme", "globex"):
            await uow.teams.add(Team(name, name, clock.now()))
        await uow.settings.put("globex", {TIMEZONE.key: "Asia/Tokyo"})
        await uow.commit()
    store = MemorySchedules()
    book = Schedules(store, clock.now, UuidIds())
    assert await ensure_every_team(db, book) == 2
    assert len(store.rows) == 2 * len(TEAM_SCHEDULES)
    acme, globex = await book.by_key("acme", IDLE_SWEEP_KEY), await book.by_key("globex", IDLE_SWEEP_KEY)
    assert acme is not None and globex is not None
    assert (acme.timezone, globex.timezone, acme.cron) == ("UTC", "Asia/Tokyo", "*/15 * * * *")
    revisions = {s.id: s.revision for s in store.rows.values()}
    clock.advance(hours=1)
    await ensure_every_team(db, book)
    await ensure_schedules_for(db, book, ["acme"])
    assert {s.id: s.revision for s in store.rows.values()} == revisions

"""The periodic schedules every team has, and the one call that makes sure a team has them.

``TEAM_SCHEDULES`` is a tuple of functions ``team_id -> ScheduleSpec``; ``ensure_team_schedules`` puts each one for
a team, with the cron in the team's ``timezone`` setting. ``ScheduleBook.put`` writes nothing when a schedule is
already as asked, so ensuring is cheap and idempotent: it runs when a team first shows up (``Engine.ensure_team``,
the platforms' intake), once for every team at startup (``bot.app``), and when an admin changes the time zone.

To give every team another periodic job, write its spec function here (or in the feature's module) and add it to
``TEAM_SCHEDULES``; the kind's handler goes in ``bot.engine.schedule_kinds.KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.engine.flywheel.nightly import flywheel_spec
from bot.engine.ports import UnitOfWork, UnitOfWorkFactory
from bot.engine.scheduled import ScheduleBook, ScheduleKind, ScheduleSpec
from bot.engine.team_settings import TIMEZONE, TeamSettings

IDLE_SWEEP_KEY = "idle-sweep"
IDLE_SWEEP_CRON = "*/15 * * * *"  # every 15 minutes
MAX_TEAMS = 100_000  # teams ensured at startup (a bound on one query, far above any installation's size)


def idle_sweep_spec(team_id: str) -> ScheduleSpec:
    """Paused-session nudges and idle-session abandonment (``bot.engine.commands.idle_sweep``), every 15 minutes."""
    return ScheduleSpec(team_id=team_id, kind=ScheduleKind.IDLE_SWEEP, key=IDLE_SWEEP_KEY, cron=IDLE_SWEEP_CRON)


TeamScheduleFactory = Callable[[str], ScheduleSpec]

TEAM_SCHEDULES: tuple[TeamScheduleFactory, ...] = (idle_sweep_spec, flywheel_spec)
"""Every team's periodic schedules (their ``timezone`` is replaced by the team's setting)."""


async def ensure_team_schedules(book: ScheduleBook, team_id: str, uow: UnitOfWork) -> None:
    """Put each of ``TEAM_SCHEDULES`` for the team in ``uow`` (the caller commits), in the team's time zone."""
    zone = (await TeamSettings.load(uow, team_id)).get(TIMEZONE)
    for make in TEAM_SCHEDULES:
        await book.put(replace(make(team_id), timezone=zone), uow)


async def ensure_schedules_for(uow_factory: UnitOfWorkFactory, book: ScheduleBook, team_ids: list[str]) -> None:
    """``ensure_team_schedules`` for these teams, in one unit of work."""
    async with uow_factory() as uow:
        for team_id in team_ids:
            await ensure_team_schedules(book, team_id, uow)
        await uow.commit()


async def ensure_every_team(uow_factory: UnitOfWorkFactory, book: ScheduleBook) -> int:
    """``ensure_team_schedules`` for every team (at startup); returns how many teams there are."""
    async with uow_factory() as uow:
        team_ids = [team.id for team in await uow.teams.every(limit=MAX_TEAMS)]
    await ensure_schedules_for(uow_factory, book, team_ids)
    return len(team_ids)

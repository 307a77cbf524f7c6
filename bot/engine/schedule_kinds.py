"""What each schedule kind does: the one table from ``ScheduleKind`` to its handler (``bot.engine.scheduled``).

Features write their handlers in their own modules and add them here; those modules import ``bot.engine.scheduled``
for the types, and only the composition root imports this table.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.commands.idle_sweep import on_idle_sweep
from bot.engine.commands.maintenance_runs import on_maintenance_deadline, on_maintenance_run
from bot.engine.flywheel.nightly import on_nightly_flywheel
from bot.engine.maintenance.records import DEADLINE_KIND
from bot.engine.scheduled import ScheduledHandler, ScheduledRun, ScheduleKind


async def on_announce(run: ScheduledRun) -> None:
    """Post the payload's ``text`` in the schedule's conversation (a scheduled message)."""
    text = str(run.fired.payload.get("text", "")).strip()
    if text:
        run.ctx.say(text)


KINDS: Mapping[str, ScheduledHandler] = {
    ScheduleKind.ANNOUNCE: on_announce,
    ScheduleKind.MAINTENANCE_RUN: on_maintenance_run,
    DEADLINE_KIND: on_maintenance_deadline,
    ScheduleKind.NIGHTLY_FLYWHEEL: on_nightly_flywheel,
    ScheduleKind.IDLE_SWEEP: on_idle_sweep,
}
"""Every kind's handler; a kind missing here is logged and marked done when it fires."""

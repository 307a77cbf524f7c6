"""What each schedule kind does: the one table from ``ScheduleKind`` to its handler (``bot.engine.scheduled``).

Features write their handlers in their own modules and add them here; those modules import ``bot.engine.scheduled``
for the types, and only the composition root imports this table.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.scheduled import ScheduledHandler, ScheduledRun, ScheduleKind


async def on_announce(run: ScheduledRun) -> None:
    """Post the payload's ``text`` in the schedule's conversation (a scheduled message)."""
    text = str(run.fired.payload.get("text", "")).strip()
    if text:
        run.ctx.say(text)


KINDS: Mapping[str, ScheduledHandler] = {
    ScheduleKind.ANNOUNCE: on_announce,
}
"""Every kind's handler; a kind missing here is logged and marked done when it fires."""

"""The command table: name -> handler. Help text comes from the handlers' docstrings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.engine import texts
from bot.engine.commands import (
    admin,
    escalate,
    escalation_stats,
    export,
    flow_builder,
    info,
    library,
    lifecycle,
    notes,
    pilot,
    proposals,
    schedule,
    share,
    start,
)
from bot.engine.commands.steps import on_back
from bot.engine.context import Ctx
from bot.engine.replies import Header, Text, View

CommandHandler = Callable[[Ctx, str], Awaitable[None]]

COMMANDS: dict[str, CommandHandler] = {
    "start": start.cmd_start,
    "list": info.cmd_list,
    "search": info.cmd_search,
    "status": info.cmd_status,
    "note": notes.cmd_note,
    "addstep": notes.cmd_addstep,
    "link": notes.cmd_link,
    "pause": lifecycle.cmd_pause,
    "resume": lifecycle.cmd_resume,
    "resolve": lifecycle.cmd_resolve,
    "abandon": lifecycle.cmd_abandon,
    "escalate": escalate.cmd_escalate,
    "park": escalate.cmd_park,
    "export": export.cmd_export,
    "schedule": schedule.cmd_schedule,
    "share": share.cmd_share,
    "history": info.cmd_history,
    "pilot": pilot.cmd_pilot,
    "fact": pilot.cmd_fact,
    "update": pilot.cmd_update,
    "flow": flow_builder.cmd_flow,
    "proposals": proposals.cmd_proposals,
    "admin": admin.cmd_admin,
    "stats": escalation_stats.cmd_stats,
    "steps": library.cmd_steps,
}

ALIASES = {
    "ask": "pilot",
    "copilot": "pilot",
    "?": "help",
    "ls": "list",
    "find": "search",
    "flows": "list",
    "new": "start",
    "run": "start",
    "handoff": "escalate",
}


async def cmd_back(ctx: Ctx, args: str) -> None:
    """Go back to the previous step."""
    session = await ctx.open_session()
    ctx.ensure_open(session)
    ctx.require_writer()
    await on_back(ctx, session, await ctx.flow_of(session), "")


COMMANDS["back"] = cmd_back


def usage(handler: CommandHandler) -> str:
    """First line of a handler's docstring."""
    doc = (handler.__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""


def help_view(prefix: str = "") -> View:
    """Usage of every command, from the docstrings."""
    lines = [f"• `{prefix}{name}` — {usage(handler)}" for name, handler in COMMANDS.items()]
    lines.append(f"• `{prefix}help` — This list.")
    return View((Header("ResolutionFlow commands"), Text(texts.HELP_INTRO), Text("\n".join(lines))), "Commands")

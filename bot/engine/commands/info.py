"""Read-only commands: `list`, `search` (in ``search``: flows and past sessions), `status`, `history`."""

from __future__ import annotations

from bot.engine import texts
from bot.engine.commands.search import cmd_search
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId
from bot.engine.model import SessionStatus
from bot.engine.replies import (
    Block,
    Context,
    Ephemeral,
    Header,
    Select,
    SelectOption,
    Text,
    View,
)
from bot.engine.show import refresh_card, show_step
from bot.flows.model import Flow, FlowKind, FlowStatus

__all__ = ["cmd_history", "cmd_list", "cmd_search", "cmd_status"]

KIND_TITLES = {
    FlowKind.TROUBLESHOOTING: "Troubleshooting",
    FlowKind.PROCEDURAL: "Procedures",
    FlowKind.MAINTENANCE: "Maintenance",
}


def _flow_line(flow: Flow) -> str:
    category = f" · {flow.category}" if flow.category else ""
    return f"*{flow.name}* — `{flow.key}`{category} (v{flow.version})"


async def cmd_list(ctx: Ctx, args: str) -> None:
    """List the flows you can start, by kind, and your open sessions."""
    flows = [f for f in await ctx.uow.flows.list(ctx.team_id) if f.status is FlowStatus.PUBLISHED]
    if not flows:
        raise UserError(texts.LIST_EMPTY)
    blocks: list[Block] = [Header("Flows")]
    for kind, title in KIND_TITLES.items():
        group = sorted((f for f in flows if f.kind is kind), key=lambda f: f.name.lower())
        if group:
            blocks.append(Text(f"*{title}*\n" + "\n".join(f"• {_flow_line(f)}" for f in group)))
    open_sessions = await ctx.uow.sessions.for_engineer(
        ctx.team_id, ctx.user.id, [SessionStatus.ACTIVE, SessionStatus.PAUSED], 10
    )
    if open_sessions:
        lines = [f"• {s.title} — {s.status.value}, {s.step_count} steps ({s.id[:8]})" for s in open_sessions]
        blocks.append(Text("*Your open sessions*\n" + "\n".join(lines)))
    choices = tuple(
        SelectOption(f.name, f.key)
        for kind in KIND_TITLES
        for f in sorted((f for f in flows if f.kind is kind), key=lambda f: f.name.lower())
    )
    blocks.append(Select("Start a flow:", ActionId.START_FLOW, choices))
    blocks.append(Context("Or type `start <flow> [#ticket]`."))
    ctx.replies.append(_ephemeral(ctx, View(tuple(blocks), "Flows")))


async def cmd_status(ctx: Ctx, args: str) -> None:
    """Show the session here: its card and the current step."""
    session = await ctx.open_session()
    flow = await ctx.flow_of(session)
    await refresh_card(ctx, session, flow, post=True)
    if session.status is SessionStatus.ACTIVE:
        await show_step(ctx, session, flow)
    else:
        ctx.say(texts.SESSION_PAUSED)


async def cmd_history(ctx: Ctx, args: str) -> None:
    """Your recent sessions (any status)."""
    statuses = list(SessionStatus)
    sessions = await ctx.uow.sessions.for_engineer(ctx.team_id, ctx.user.id, statuses, 15)
    if not sessions:
        raise UserError(texts.NO_HISTORY)
    lines = [
        f"• {s.updated_at:%Y-%m-%d} {s.title} — {s.status.value}"
        + (f", ticket #{s.ticket.number}" if s.ticket else "")
        + f" ({s.id[:8]})"
        for s in sessions
    ]
    ctx.replies.append(_ephemeral(ctx, View((Header("Your recent sessions"), Text("\n".join(lines))), "History")))


def _ephemeral(ctx: Ctx, view: View) -> Ephemeral:
    return Ephemeral(ctx.conversation, ctx.event.actor, view)

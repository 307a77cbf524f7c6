"""The user's home surface: open sessions with Resume, recently finished ones, and the flow library (folders and
categories with counts, a few flows to start)."""

from __future__ import annotations

from bot.engine.context import Ctx
from bot.engine.events import ActionId
from bot.engine.flowlib.views import home_section
from bot.engine.model import Session, SessionStatus
from bot.engine.replies import Block, Button, Buttons, Context, Divider, Header, HomeView, Style, Text, View
from bot.flows.model import FlowStatus

RECENT = 10


def _line(session: Session) -> str:
    ticket = f" · ticket #{session.ticket.number}" if session.ticket else ""
    return f"*{session.title or 'FlowPilot session'}*{ticket} — {session.step_count} steps, {session.status.value}"


async def home_view(ctx: Ctx) -> View:
    """Active and paused sessions (Resume on paused ones), recently resolved/abandoned/escalated ones, and the flow
    library."""
    open_sessions = await ctx.uow.sessions.for_engineer(
        ctx.team_id, ctx.user.id, [SessionStatus.ACTIVE, SessionStatus.PAUSED], 25
    )
    finished = await ctx.uow.sessions.for_engineer(
        ctx.team_id, ctx.user.id, [SessionStatus.RESOLVED, SessionStatus.ABANDONED, SessionStatus.ESCALATED], RECENT
    )
    blocks: list[Block] = [Header("Your ResolutionFlow sessions")]
    if not open_sessions:
        blocks.append(Text("No open sessions. Start one with `start <flow> [#ticket]`."))
    for session in open_sessions:
        blocks.append(Text(_line(session)))
        if session.status is SessionStatus.PAUSED:
            blocks.append(
                Buttons((Button("Resume", ActionId.RESUME, session.id, session.state_version, "", Style.PRIMARY),))
            )
        else:
            blocks.append(Context(f"Active since {session.started_at:%Y-%m-%d %H:%M} UTC · continue in its thread"))
    blocks.append(Divider())
    blocks.append(Header("Recently finished"))
    if not finished:
        blocks.append(Context("Nothing finished yet."))
    for session in finished:
        when = f"{session.ended_at or session.updated_at:%Y-%m-%d}"
        blocks.append(Text(f"{_line(session)} · {when}"))
    flows = [f for f in await ctx.uow.flows.list(ctx.team_id) if f.status is FlowStatus.PUBLISHED]
    blocks.append(Divider())
    blocks.extend(home_section(flows))  # at most 4 blocks: the view stays under Slack's 100-block home limit
    return View(tuple(blocks), "Your ResolutionFlow sessions")


async def on_home(ctx: Ctx) -> None:
    """Home opened: publish the user's sessions."""
    ctx.replies.append(HomeView(ctx.event.actor, await home_view(ctx)))

"""`admin teams` — every team the bot serves, with its team admins and size (super admins only: the operators)."""

from __future__ import annotations

from bot.engine.context import Ctx
from bot.engine.model import Role
from bot.engine.replies import Context, Text

SHOWN = 100


async def teams_command(ctx: Ctx, words: list[str]) -> None:
    """List the teams (the caller is a super admin: the engine checked ``admin teams``)."""
    teams = await ctx.uow.teams.every(SHOWN + 1)
    lines = []
    for team in teams[:SHOWN]:
        users = await ctx.uow.users.list(team.id)
        admins = ", ".join(u.display_name for u in users if u.role is Role.TEAM_ADMIN) or "none"
        here = " (this team)" if team.id == ctx.team_id else ""
        lines.append(f"• *{team.name}*{here} — {len(users)} members; team admins: {admins}")
    more = f"Showing the first {SHOWN}." if len(teams) > SHOWN else "Every team."
    ctx.whisper(f"Teams ({min(len(teams), SHOWN)}):", Text("\n".join(lines) or "None yet."), Context(more))

"""`stats escalations [days]`: how quickly escalations are picked up in this team — time from claim to the
claimer's first action (average, median, p95) and from escalation to claim.

A claimer's first action is read from the session's timeline (``bot.engine.escalation.stats.first_action``) and kept
on the escalation once found, so each timeline is read until its first action is known and never again.
"""

from __future__ import annotations

from datetime import timedelta

from bot.engine.context import Ctx, UserError
from bot.engine.escalation import texts as t
from bot.engine.escalation.stats import first_action, summarize
from bot.engine.escalation.views import stats_view
from bot.engine.replies import Ephemeral

DEFAULT_DAYS = 30
MAX_DAYS = 3660


async def cmd_stats(ctx: Ctx, args: str) -> None:
    """Team statistics: `stats escalations [days]` (claim to first action: average, median, p95)."""
    words = args.lower().split()
    if not words or words[0] not in ("escalations", "escalation"):
        raise UserError(t.STATS_USAGE)
    days = DEFAULT_DAYS
    if len(words) > 1:
        raw = words[1].removesuffix("d")
        if not raw.isdigit() or not 0 < int(raw) <= MAX_DAYS:
            raise UserError(t.STATS_USAGE)
        days = int(raw)
    escalations = await ctx.uow.escalations.since(ctx.team_id, ctx.now - timedelta(days=days))
    to_action: list[float] = []
    to_claim: list[float] = []
    for escalation in escalations:
        if escalation.claimed_at is None:
            continue
        to_claim.append((escalation.claimed_at - escalation.created_at).total_seconds())
        if escalation.first_action_at is None:
            timeline = await ctx.uow.sessions.timeline(ctx.team_id, escalation.session_id)
            escalation.first_action_at = first_action(timeline, escalation.claimed_by, escalation.claimed_at)
            if escalation.first_action_at is not None:
                await ctx.uow.escalations.update(escalation)
        if escalation.first_action_at is not None:
            to_action.append((escalation.first_action_at - escalation.claimed_at).total_seconds())
    claimed = sum(1 for e in escalations if e.claimed)
    view = stats_view(days, len(escalations), claimed, summarize(to_action), summarize(to_claim))
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, view))

"""`proposals` — the flow proposal review queue (knowledge flywheel, `flow generate`).

`proposals` lists the pending proposals, proven by an outcome first, with their evidence; team admins get Approve /
Edit / Reject / Dismiss on each (``bot.engine.flywheel.review``). `proposals show <id>` shows one with its YAML.
`proposals run` (team admins) runs the knowledge flywheel now instead of waiting for the night: the copilot worker
reads the resolved sessions since the last run and answers in the conversation when it is done.
"""

from __future__ import annotations

from bot.engine.context import Ctx, UserError
from bot.engine.events import PilotJob
from bot.engine.flywheel import texts as t
from bot.engine.flywheel.review import find, is_admin, require_reviewer
from bot.engine.flywheel.views import proposal_view, queue_view
from bot.engine.pilot.queue import queue_job
from bot.engine.replies import Context, View

NO_WORKER = "The knowledge flywheel runs in the copilot worker, which is not running here."


async def cmd_proposals(ctx: Ctx, args: str) -> None:
    """Flow proposals waiting for review: `proposals`, `proposals show <id>`; admins: `proposals run` (the knowledge
    flywheel now)."""
    words = args.split()
    sub = words[0].lower() if words else ""
    if sub in ("", "list", "pending"):
        pending = await ctx.uow.pilot.proposals(ctx.team_id, "pending")
        ctx.post(queue_view(pending, is_admin(ctx)))
    elif sub == "show" and len(words) == 2:
        ctx.post(proposal_view(await find(ctx, words[1]), is_admin(ctx)))
    elif sub == "run" and len(words) == 1:
        await run_now(ctx)
    else:
        raise UserError(t.PROPOSALS_USAGE)


async def run_now(ctx: Ctx) -> None:
    """Queue a flywheel run for the team (team admins)."""
    require_reviewer(ctx)
    if ctx.pilot is None:
        raise UserError(NO_WORKER)
    event_id = f"pilot:flywheel:{ctx.event.event_id or ctx.ids.new()}"
    await queue_job(ctx, PilotJob.FLYWHEEL, event_id, arg="manual")
    ctx.post(View((Context(t.RUN_STARTED),), t.RUN_STARTED), f"flywheel:{event_id}")

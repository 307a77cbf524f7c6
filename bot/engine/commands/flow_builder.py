"""`flow generate <description>` — FlowPilot drafts a flow in our YAML format; it is validated and saved as a
proposal for a team admin to review (nothing is published)."""

from __future__ import annotations

from bot.engine.context import Ctx, UserError
from bot.engine.events import PilotJob
from bot.engine.pilot import texts as t
from bot.engine.pilot.queue import queue_job
from bot.engine.replies import Context, View

MAX_DESCRIPTION = 2000


def flow_ref(event_id: str) -> str:
    """The message ref of a flow-generation request."""
    return f"flowgen:{event_id}"


async def cmd_flow(ctx: Ctx, args: str) -> None:
    """Draft a new flow with FlowPilot: `flow generate <what it should troubleshoot>` (saved for review)."""
    ctx.require_writer()
    sub, _, description = args.strip().partition(" ")
    if sub.lower() != "generate" or not description.strip():
        raise UserError(t.FLOW_GENERATE_EMPTY)
    event_id = f"pilot:flow:{ctx.event.event_id or ctx.ids.new()}"
    await queue_job(ctx, PilotJob.FLOW, event_id, arg=description.strip()[:MAX_DESCRIPTION])
    ctx.post(View((Context("🧭 FlowPilot is drafting the flow…"),), "Drafting a flow"), flow_ref(event_id))

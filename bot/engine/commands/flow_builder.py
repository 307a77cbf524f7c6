"""`flow ...`: the flow library (``flow_library``: show, export, versions, folders, browse; ``flow_admin``: import,
publish, archive, restore) and `flow generate <description>` — FlowPilot drafts a flow in our YAML format; it is
validated and saved as a proposal for a team admin to review (nothing is published). Roles per sub-command are in
``bot.engine.permissions``."""

from __future__ import annotations

from bot.engine.commands.flow_admin import CHANGE_COMMANDS
from bot.engine.commands.flow_library import READ_COMMANDS
from bot.engine.context import Ctx, UserError
from bot.engine.events import PilotJob
from bot.engine.flowlib import texts as library_texts
from bot.engine.pilot import texts as t
from bot.engine.pilot.queue import queue_job
from bot.engine.replies import Context, View

MAX_DESCRIPTION = 2000
SUBCOMMANDS = {**READ_COMMANDS, **CHANGE_COMMANDS}


def flow_ref(event_id: str) -> str:
    """The message ref of a flow-generation request."""
    return f"flowgen:{event_id}"


async def cmd_flow(ctx: Ctx, args: str) -> None:
    """The flow library: `flow show|export|versions KEY`, `flow browse [folder]`, `flow folders`, `flow import`
    (attach the YAML), `flow publish|archive|restore KEY`, and `flow generate <what it should troubleshoot>`."""
    sub, _, rest = args.strip().partition(" ")
    handler = SUBCOMMANDS.get(sub.lower())
    if handler is not None:
        await handler(ctx, rest.strip())
        return
    if sub.lower() != "generate":
        raise UserError(library_texts.USAGE)
    ctx.require_writer()
    description = rest
    if not description.strip():
        raise UserError(t.FLOW_GENERATE_EMPTY)
    event_id = f"pilot:flow:{ctx.event.event_id or ctx.ids.new()}"
    await queue_job(ctx, PilotJob.FLOW, event_id, arg=description.strip()[:MAX_DESCRIPTION])
    ctx.post(View((Context("🧭 FlowPilot is drafting the flow…"),), "Drafting a flow"), flow_ref(event_id))

"""Where a maintenance run's summary goes in the PSA, shown in the run's thread like a session's push.

When a run ends, its one outbox item (a note on the flow's ticket, or a new ticket on the team's maintenance board)
gets a status line in the card's thread under ``push:<item id>`` (``pushes.push_view``). The outbox worker's
``DeliveryReported`` for it (``session_id`` = the run id) redraws that line as posted / retrying / failed; a failed
one carries a Retry button (``ActionId.RUN_RETRY_PUSH``, addressed by run id, so it needs no session) that puts the
item back in the queue through the same ``requeue_push`` as a session's Retry.
"""

from __future__ import annotations

from bot.engine.commands.pushes import push_ref, push_view, requeue_push
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId, ConversationRef, DeliveryReported, DeliveryState
from bot.engine.maintenance import texts as t
from bot.engine.maintenance.records import MaintenanceRun
from bot.engine.ports import UnitOfWork
from bot.engine.replies import Reply, Update


def post_status_line(ctx: Ctx, run: MaintenanceRun, label: str, target: str) -> None:
    """Post the queued status line of the run's summary item in the run's thread (call after queueing it)."""
    home = ConversationRef.from_dict(run.conversation)
    ctx.post(push_view(label, target, DeliveryState.QUEUED), push_ref(run.outbox_id), home)


async def run_delivery_reported(uow: UnitOfWork, event: DeliveryReported) -> list[Reply]:
    """The status line of a run's summary item, redrawn for the outbox worker's report; [] when the report is not
    about a maintenance run's item (no such run, or another item)."""
    run = await uow.maintenance_runs.get(event.team_id, event.session_id) if event.session_id else None
    if run is None or run.outbox_id != event.outbox_id:
        return []
    view = push_view(
        event.label,
        event.target,
        event.state,
        result=event.result,
        error=event.error,
        retry=(run.id, run.version, event.outbox_id),
        retry_action=ActionId.RUN_RETRY_PUSH,
    )
    return [Update(ConversationRef.from_dict(run.conversation), view, push_ref(event.outbox_id))]


async def on_retry_run_push(ctx: Ctx, run_id: str, value: str) -> None:
    """Retry on a run's failed summary note or board ticket: queue it again (engineers and team admins)."""
    ctx.require_writer()
    run = await ctx.uow.maintenance_runs.get(ctx.team_id, run_id) if run_id else None
    if run is None:
        raise UserError(t.UNKNOWN_RUN)
    await requeue_push(ctx, run.id, value)

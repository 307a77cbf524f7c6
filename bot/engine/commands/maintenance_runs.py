"""Maintenance runs: the scheduler's ``maintenance_run`` and ``maintenance_deadline`` kinds, a run started by hand,
and the end of a run (summary in the thread, one ticket note in the outbox).

A fire creates the run (once per (schedule, fire time): a fire handed over twice finds its run and does nothing),
posts the run card in the schedule's conversation (it opens a thread there; ``run_thread_started`` records it) and
puts the run's one-off deadline (``maintenance-deadline:<run id>``, the flow's ``deadline``, default 12 hours).
When the last target is done, or the deadline fires first, ``finish`` marks the run completed or expired in a
conditional save (so it happens once), posts the summary in the card's thread and queues ONE note: on the flow's
``ticket``, else as a new ticket on the team's ``maintenance_board``; without either, or without a PSA, the summary
says why nothing went to the PSA.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.engine.commands.maintenance_deliveries import post_status_line
from bot.engine.commands.pushes import PSA_NOTE, marker_for
from bot.engine.context import Ctx, UserError
from bot.engine.documents import redaction_enabled
from bot.engine.escalation.channels import TRANSIENT_EXTRAS
from bot.engine.events import ConversationRef, ThreadStarted
from bot.engine.maintenance import texts as t
from bot.engine.maintenance.progress import targets_of
from bot.engine.maintenance.records import (
    DEADLINE_KIND,
    DEFAULT_DEADLINE,
    PSA_TICKET,
    MaintenanceRun,
    RunStatus,
    deadline_key,
)
from bot.engine.maintenance.views import card_ref, local, run_card, summary_lines, summary_view, zone_of
from bot.engine.model import OutboxItem
from bot.engine.ports import UnitOfWork
from bot.engine.psa import NoteKind
from bot.engine.replies import Post
from bot.engine.scheduled import ScheduleBook, ScheduledRun, ScheduleSpec
from bot.engine.team_settings import MAINTENANCE_BOARD, MAINTENANCE_COMPANY, TIMEZONE, TeamSettings, team_setting
from bot.flows.durations import parse_duration
from bot.flows.model import Flow, FlowKind
from bot.notes.redact import redact_text

MIN_DEADLINE = timedelta(minutes=1)


async def team_zone(ctx: Ctx) -> ZoneInfo:
    """The team's time zone (setting ``timezone``; UTC when unset or unknown)."""
    return zone_of(await team_setting(ctx.uow, ctx.team_id, TIMEZONE))


def is_runnable(flow: Flow | None) -> bool:
    """A maintenance flow with targets."""
    return flow is not None and flow.kind is FlowKind.MAINTENANCE and bool(flow.targets)


def lasting(conversation: ConversationRef, thread: bool = True) -> ConversationRef:
    """``conversation`` without what belongs to one request (trigger ids, response URLs, message ids); without
    its thread unless ``thread``."""
    extras = {k: v for k, v in conversation.extras.items() if k not in TRANSIENT_EXTRAS}
    return ConversationRef(conversation.platform, conversation.channel, conversation.thread if thread else "", extras)


def home_of(run: MaintenanceRun) -> ConversationRef:
    """Where the run's messages go: the card's conversation and thread."""
    return ConversationRef.from_dict(run.conversation)


async def flow_of_run(ctx: Ctx, run: MaintenanceRun) -> Flow:
    """The flow version the run was started from."""
    flow = await ctx.uow.flows.get(ctx.team_id, run.flow_key, run.flow_version)
    if flow is None:
        raise UserError(t.FLOW_GONE.format(flow=run.flow_key))
    return flow


async def start_run(
    ctx: Ctx,
    flow: Flow,
    conversation: ConversationRef,
    *,
    book: ScheduleBook | None,
    schedule_id: str = "",
    fire_time: datetime | None = None,
    started_by: str = "",
) -> MaintenanceRun | None:
    """Create the run, put its deadline and post its card; None when this fire already has its run."""
    fired = fire_time or ctx.now
    span = parse_duration(flow.deadline) or DEFAULT_DEADLINE
    run_id = ctx.ids.new()
    run = MaintenanceRun(
        id=run_id,
        team_id=ctx.team_id,
        flow_key=flow.key,
        flow_version=flow.version,
        flow_name=flow.name,
        schedule_id=schedule_id,
        fire_time=fired,
        created_at=ctx.now,
        deadline=max(fired + span, ctx.now + MIN_DEADLINE),
        conversation=lasting(conversation).to_dict(),
        card_ref=card_ref(run_id),
        targets=targets_of(flow),
        ticket=flow.ticket,
        started_by=started_by,
    )
    if not await ctx.uow.maintenance_runs.add(run):
        return None
    if book is not None:
        spec = ScheduleSpec(
            team_id=ctx.team_id,
            kind=DEADLINE_KIND,
            key=deadline_key(run.id),
            run_at=run.deadline,
            payload={"run_id": run.id, "session_id": run.id},  # the run's lane: after clicks on it, never beside
            conversation=home_of(run),
        )
        await book.put(spec, ctx.uow)
    view = run_card(run, flow, await team_zone(ctx))
    ctx.replies.append(Post(home_of(run), view, run.card_ref, root=True, session_id=run.id))
    return run


async def on_maintenance_run(run: ScheduledRun) -> None:
    """A ``maintenance_run`` schedule fired: start the run of its flow (payload ``flow``) in its conversation."""
    ctx, fired = run.ctx, run.fired
    if await ctx.uow.maintenance_runs.by_fire(ctx.team_id, fired.schedule_id, fired.fire_time) is not None:
        return
    key = str(fired.payload.get("flow", ""))
    flow = await ctx.uow.flows.get(ctx.team_id, key) if key else None
    if flow is None or not is_runnable(flow):
        ctx.say(t.FLOW_GONE.format(flow=key or "?"))
        return
    await start_run(
        ctx, flow, fired.conversation, book=run.schedules, schedule_id=fired.schedule_id, fire_time=fired.fire_time
    )


async def on_maintenance_deadline(run: ScheduledRun) -> None:
    """A run's deadline fired: a run still open expires with its summary; a finished one is left alone."""
    ctx = run.ctx
    found = await ctx.uow.maintenance_runs.get(ctx.team_id, str(run.fired.payload.get("run_id", "")))
    if found is None or found.status is not RunStatus.RUNNING:
        return
    await finish(ctx, found, await flow_of_run(ctx, found), RunStatus.EXPIRED, run.schedules)


async def run_thread_started(uow: UnitOfWork, event: ThreadStarted) -> bool:
    """A run card opened a thread (``event.session_id`` is the run id): keep it, so the checklists and the summary
    go there. False when there is no such run or it already has a thread."""
    run = await uow.maintenance_runs.get(event.team_id, event.session_id)
    if run is None or run.conversation.get("thread"):
        return False
    expected = run.version
    run.conversation = {**run.conversation, "thread": event.thread}
    await uow.maintenance_runs.save(run, expected)
    return True


def note_text(run: MaintenanceRun, flow: Flow, zone: ZoneInfo) -> str:
    """The ticket note of a finished run (plain text)."""
    head = f"Maintenance run: {run.flow_name} (flow {run.flow_key} v{run.flow_version}), {run.status.value}"
    return "\n".join([head, *summary_lines(run, flow, zone), f"Run {run.id}"])


async def queue_summary_note(ctx: Ctx, run: MaintenanceRun, flow: Flow, zone: ZoneInfo) -> tuple[str, str]:
    """Queue the run's one ticket note (or say why there is none); returns the line the summary shows and where the
    note goes ("" when nothing was queued)."""
    prefs = await TeamSettings.load(ctx.uow, ctx.team_id)
    board = prefs.get(MAINTENANCE_BOARD).strip()
    if flow.ticket is None and not board:
        return t.NOTE_NOWHERE, ""
    psa = await ctx.psa.for_team(ctx.team_id) if ctx.psa is not None else None
    if psa is None or ctx.psa is None:
        return t.NOTE_NO_PSA, ""
    text = note_text(run, flow, zone)
    key = f"maintenance:{run.id}"
    payload: dict[str, object] = {
        "session_id": run.id,
        "label": t.NOTE_LABEL,
        "conversation": dict(run.conversation),
        "queued_by": ctx.user.id,
        "queued_by_name": ctx.user.display_name,
        "note_kind": NoteKind.INTERNAL.value,
        "text": redact_text(text) if await redaction_enabled(ctx) else text,
        "marker": marker_for(ctx.team_id, key),
    }
    if flow.ticket is not None:
        kind, line = PSA_NOTE, t.NOTE_QUEUED.format(ticket=flow.ticket)
        payload |= {"ticket": flow.ticket, "target": f"ticket #{flow.ticket}"}
    else:
        psa_name = ctx.psa.name_for(ctx.team_id)
        kind, line = PSA_TICKET, t.NOTE_NEW_TICKET.format(psa=psa_name, board=board)
        summary = t.TICKET_SUMMARY.format(flow=run.flow_name, when=local(run.fire_time, zone))
        company = prefs.get(MAINTENANCE_COMPANY).strip()
        payload |= {"board": board, "company": company, "summary": summary, "target": f"a new ticket on board {board}"}
    item = OutboxItem(
        id=ctx.ids.new(), team_id=ctx.team_id, kind=kind, payload=payload, idempotency_key=key, created_at=ctx.now
    )
    await ctx.uow.outbox.add(item)
    ctx.pushed = True
    run.outbox_id, run.ticket = item.id, flow.ticket
    return line, str(payload["target"])


async def finish(ctx: Ctx, run: MaintenanceRun, flow: Flow, status: RunStatus, book: ScheduleBook | None) -> None:
    """End the run (``status`` completed or expired): save it, post the summary in the thread, queue the note, update
    the card, and drop the deadline that has nothing left to do."""
    expected = run.version
    run.status, run.finished_at = status, ctx.now
    zone = await team_zone(ctx)
    line, target = await queue_summary_note(ctx, run, flow, zone)
    await ctx.uow.maintenance_runs.save(run, expected)
    home = home_of(run)
    ctx.post(summary_view(run, flow, zone, line), f"run:{run.id}:summary", home)
    if target:  # the note's status line, under the summary: the outbox worker's reports redraw it
        post_status_line(ctx, run, t.NOTE_LABEL, target)
    ctx.update(run_card(run, flow, zone), run.card_ref, home, lazy=True)
    if book is not None and status is RunStatus.COMPLETED:
        deadline = await book.by_key(ctx.team_id, deadline_key(run.id))
        if deadline is not None:
            await book.remove(ctx.team_id, deadline.id, ctx.uow)

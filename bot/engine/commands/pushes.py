"""Pushes to the PSA: queued in the outbox with the session change, shown in the thread, retried on request.

Each push (a note, a time entry, a status change) is an outbox item written in the same transaction as the
change that caused it, and a status line posted in the session's thread under ``push:<item id>``. The outbox
worker reports back through ``DeliveryReported`` events; the line then says posted / retrying / failed, and a
failed push gets a Retry button.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from bot.engine import texts
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId, DeliveryReported, DeliveryState
from bot.engine.model import OutboxItem, Session, TimelineEntry, TimelineKind
from bot.engine.psa import NoteKind
from bot.engine.replies import Button, Buttons, Context, Style, Text, View

PSA_NOTE, PSA_TIME, PSA_STATUS = "psa.note", "psa.time", "psa.status"
ICONS = {
    DeliveryState.QUEUED: "⏳",
    DeliveryState.DELIVERED: "✅",
    DeliveryState.RETRYING: "🔁",
    DeliveryState.FAILED: "❌",
}


def push_ref(item_id: str) -> str:
    """The message ref of a push's status line."""
    return f"push:{item_id}"


def marker_for(team_id: str, key: str) -> str:
    """A short token unique to one push, written into the note so a retry can tell whether it already landed."""
    return "rf-" + hashlib.sha256(f"{team_id}:{key}".encode()).hexdigest()[:16]


def push_view(
    label: str,
    target: str,
    state: DeliveryState,
    *,
    result: str = "",
    error: str = "",
    retry: tuple[str, int, str] | None = None,
    retry_action: ActionId = ActionId.RETRY_PUSH,
) -> View:
    """The status line of a push; ``retry`` = (session id, state version, outbox id) adds a Retry button to a failed
    one (``retry_action``: the button's action; a maintenance run's line uses its own, addressed by run id)."""
    if state is DeliveryState.DELIVERED:
        line = texts.PUSH_DELIVERED.format(label=label, target=target, result=result)
    elif state is DeliveryState.RETRYING:
        line = texts.PUSH_RETRYING.format(label=label, target=target, error=error)
    elif state is DeliveryState.FAILED:
        line = texts.PUSH_FAILED.format(label=label, target=target, error=error)
    else:
        line = texts.PUSH_QUEUED.format(label=label, target=target)
    blocks: list[Text | Context | Buttons] = [Text(f"{ICONS[state]} {line}")]
    if retry is not None and state is DeliveryState.FAILED:
        session_id, version, item_id = retry
        blocks.append(Buttons((Button("Retry", retry_action, session_id, version, item_id, Style.PRIMARY),)))
    return View(tuple(blocks), line)


async def queue_push(
    ctx: Ctx, session: Session, kind: str, key: str, label: str, payload: dict[str, Any]
) -> OutboxItem:
    """Queue one push for the session's ticket and post its status line."""
    assert session.ticket is not None
    target = f"ticket #{session.ticket.number}"
    # pushes queued by one event are delivered in the order they were queued (oldest first)
    order = sum(1 for r in ctx.replies if getattr(r, "ref", "").startswith("push:"))
    item = OutboxItem(
        id=ctx.ids.new(),
        team_id=ctx.team_id,
        kind=kind,
        payload={
            "session_id": session.id,
            "ticket": int(session.ticket.number),
            "label": label,
            "target": target,
            "engineer_id": session.engineer_id,
            "engineer_name": str(session.conversation.get("engineer_name", "")),
            "queued_by": ctx.user.id,  # who caused the push (the audit log names them)
            "queued_by_name": ctx.user.display_name,
            "conversation": dict(session.conversation) | {"platform": ctx.conversation.platform},
            **payload,
        },
        idempotency_key=key,
        created_at=ctx.now + timedelta(microseconds=order),
    )
    await ctx.uow.outbox.add(item)
    ctx.pushed = True
    ctx.post(push_view(label, target, DeliveryState.QUEUED), push_ref(item.id))
    return item


async def queue_note(ctx: Ctx, session: Session, key: str, label: str, kind: NoteKind, text: str) -> OutboxItem:
    """Queue a note for the session's ticket."""
    payload = {"note_kind": kind.value, "text": text, "marker": marker_for(ctx.team_id, key)}
    return await queue_push(ctx, session, PSA_NOTE, key, label, payload)


async def requeue_push(ctx: Ctx, owner_id: str, item_id: str) -> OutboxItem:
    """Put the failed push ``item_id`` of ``owner_id`` (a session or a maintenance run: its payload's
    ``session_id``) back in the queue, redraw its status line as queued and tell the clicker; ``UserError`` (and
    nothing changes) when it is not a failed push of that owner."""
    ctx.require_writer()
    item = await ctx.uow.outbox.retry(ctx.team_id, item_id, ctx.now)
    if item is None or item.payload.get("session_id") != owner_id:
        raise UserError(texts.PUSH_NOT_FAILED)
    ctx.pushed = True
    label, target = str(item.payload.get("label", "Push")), str(item.payload.get("target", "the ticket"))
    ctx.update(push_view(label, target, DeliveryState.QUEUED), push_ref(item.id))
    ctx.whisper(texts.PUSH_REQUEUED.format(label=label))
    return item


async def on_retry_push(ctx: Ctx, session: Session, value: str) -> None:
    """The Retry button of a failed push: put it back in the queue."""
    await requeue_push(ctx, session.id, value)


def report_entry(event: DeliveryReported, entry_id: str) -> TimelineEntry | None:
    """The timeline entry for a final report (posted or failed); retries are not recorded."""
    if event.state not in (DeliveryState.DELIVERED, DeliveryState.FAILED):
        return None
    kind = TimelineKind.PSA_PUSHED if event.state is DeliveryState.DELIVERED else TimelineKind.PSA_PUSH_FAILED
    return TimelineEntry(
        id=entry_id,
        team_id=event.team_id,
        session_id=event.session_id,
        at=event.at,
        kind=kind,
        actor_id="",
        actor_name=texts.BOT_NAME,
        title=f"{event.label} → {event.target}",
        answer=event.result or event.error,
        detail={"outbox_id": event.outbox_id, "state": event.state.value, "attempt": event.attempt},
    )


def report_view(event: DeliveryReported, session: Session) -> View:
    """The updated status line for a report."""
    retry = (session.id, session.state_version, event.outbox_id)
    return push_view(event.label, event.target, event.state, result=event.result, error=event.error, retry=retry)

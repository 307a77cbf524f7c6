"""Inbound events to and from JSON, so adapters can persist them in the inbox before acknowledging."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.engine.events import (
    ActionId,
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    DeliveryReported,
    DeliveryState,
    FileRef,
    FormId,
    FormSubmitted,
    HomeOpened,
    InboundEvent,
    MessageReceived,
    PilotJob,
    PilotWork,
    ScheduleFired,
    ThreadStarted,
    TimerFired,
)

CODEC_VERSION = 1
_TYPES: dict[str, type[InboundEvent]] = {
    cls.__name__: cls
    for cls in (
        CommandIssued,
        MessageReceived,
        ButtonPressed,
        FormSubmitted,
        TimerFired,
        ThreadStarted,
        HomeOpened,
        DeliveryReported,
        PilotWork,
        ScheduleFired,
    )
}


class UnknownEvent(ValueError):
    """A stored payload this release cannot turn back into an event."""


def encode(event: InboundEvent) -> dict[str, Any]:
    """A JSON-able dict for the inbox."""
    data: dict[str, Any] = {
        "v": CODEC_VERSION,
        "type": type(event).__name__,
        "team_id": event.team_id,
        "actor": {
            "platform": event.actor.platform,
            "id": event.actor.platform_user_id,
            "name": event.actor.display_name,
            "email": event.actor.email,
        },
        "conversation": event.conversation.to_dict(),
        "at": event.at.isoformat(),
        "event_id": event.event_id,
    }
    if isinstance(event, CommandIssued):
        data.update(name=event.name, args=event.args)
    elif isinstance(event, MessageReceived):
        data.update(text=event.text)
    if isinstance(event, (CommandIssued, MessageReceived)) and event.files:
        data.update(files=[f.to_dict() for f in event.files])
    elif isinstance(event, ButtonPressed):
        data.update(
            action=event.action.value, session_id=event.session_id, state_version=event.state_version, value=event.value
        )
    elif isinstance(event, FormSubmitted):
        data.update(
            form=event.form.value,
            session_id=event.session_id,
            state_version=event.state_version,
            values=dict(event.values),
        )
    elif isinstance(event, TimerFired):
        data.update(job=event.job, session_id=event.session_id)
    elif isinstance(event, ThreadStarted):
        data.update(session_id=event.session_id, thread=event.thread)
    elif isinstance(event, DeliveryReported):
        data.update(
            session_id=event.session_id,
            outbox_id=event.outbox_id,
            state=event.state.value,
            label=event.label,
            target=event.target,
            result=event.result,
            error=event.error,
            attempt=event.attempt,
        )
    elif isinstance(event, PilotWork):
        data.update(session_id=event.session_id, job=event.job.value, seq=event.seq, arg=event.arg)
    elif isinstance(event, ScheduleFired):
        data.update(
            schedule_id=event.schedule_id,
            kind=event.kind,
            fire_time=event.fire_time.isoformat(),
            payload=dict(event.payload),
            session_id=event.session_id,
        )
    return data


def decode(data: dict[str, Any]) -> InboundEvent:
    """Inverse of ``encode``; ``UnknownEvent`` for anything it cannot read."""
    try:
        if data.get("v") != CODEC_VERSION:
            raise UnknownEvent(f"event codec version {data.get('v')!r}")
        kind = _TYPES[data["type"]]
        actor = data["actor"]
        base: dict[str, Any] = {
            "team_id": str(data["team_id"]),
            "actor": Actor(str(actor["platform"]), str(actor["id"]), str(actor["name"]), str(actor.get("email", ""))),
            "conversation": ConversationRef.from_dict(data["conversation"]),
            "at": datetime.fromisoformat(data["at"]),
            "event_id": str(data.get("event_id", "")),
        }
        files = tuple(FileRef.from_dict(f) for f in data.get("files") or () if isinstance(f, dict))
        if kind is CommandIssued:
            return CommandIssued(name=str(data["name"]), args=str(data.get("args", "")), files=files, **base)
        if kind is MessageReceived:
            return MessageReceived(text=str(data["text"]), files=files, **base)
        if kind is ButtonPressed:
            return ButtonPressed(
                action=ActionId(data["action"]),
                session_id=str(data["session_id"]),
                state_version=int(data["state_version"]),
                value=str(data.get("value", "")),
                **base,
            )
        if kind is FormSubmitted:
            values = {str(k): str(v) for k, v in dict(data.get("values") or {}).items()}
            return FormSubmitted(
                form=FormId(data["form"]),
                session_id=str(data["session_id"]),
                state_version=int(data["state_version"]),
                values=values,
                **base,
            )
        if kind is TimerFired:
            return TimerFired(job=str(data["job"]), session_id=str(data.get("session_id", "")), **base)
        if kind is HomeOpened:
            return HomeOpened(**base)
        if kind is DeliveryReported:
            return DeliveryReported(
                session_id=str(data["session_id"]),
                outbox_id=str(data["outbox_id"]),
                state=DeliveryState(data["state"]),
                label=str(data["label"]),
                target=str(data.get("target", "")),
                result=str(data.get("result", "")),
                error=str(data.get("error", "")),
                attempt=int(data.get("attempt", 0)),
                **base,
            )
        if kind is PilotWork:
            return PilotWork(
                session_id=str(data["session_id"]),
                job=PilotJob(data["job"]),
                seq=int(data["seq"]),
                arg=str(data.get("arg", "")),
                **base,
            )
        if kind is ScheduleFired:
            return ScheduleFired(
                schedule_id=str(data["schedule_id"]),
                kind=str(data["kind"]),
                fire_time=datetime.fromisoformat(data["fire_time"]),
                payload=dict(data.get("payload") or {}),
                session_id=str(data.get("session_id", "")),
                **base,
            )
        return ThreadStarted(session_id=str(data["session_id"]), thread=str(data["thread"]), **base)
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, UnknownEvent):
            raise
        raise UnknownEvent(f"unreadable event: {err}") from None

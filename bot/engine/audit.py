"""The audit log: who did what administrative thing, and every write the bot made to a system outside it.

An entry names the team, when, who (a user id and the name shown then; ``ResolutionFlow`` for the bot's own
scheduled work and deliveries), the action (``AuditAction``: dotted, ``<area>.<verb>``), what it was done to
(``target``: "ticket #12345", "user U2", "schedule maintenance:patching") and a small JSON ``detail``. Entries are
written in the same unit of work as the change they describe, so an entry exists exactly when the change does.

Nothing secret goes in: ``detail`` keys that name secrets (keys, tokens, passwords) are dropped by ``clean_detail``
before anything is stored, and values are cut to a sane length. Entries are never changed or deleted by the bot
(they go when their team is deleted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.engine.model import OutboxItem

SECRET_WORDS = ("key", "secret", "token", "password", "credential", "private")
MAX_VALUE = 300
MAX_ITEMS = 20
BOT_ID, BOT_NAME = "rfbot", "ResolutionFlow"  # the actor of the bot's own work


class AuditAction(StrEnum):
    """What an entry records."""

    # outside writes (ConnectWise), recorded when the outbox delivers them
    NOTE_POSTED = "psa.note_posted"
    TIME_POSTED = "psa.time_posted"
    STATUS_CHANGED = "psa.status_changed"
    TICKET_CREATED = "psa.ticket_created"
    # administration
    PSA_CONNECTED = "psa.connected"
    PSA_DISCONNECTED = "psa.disconnected"
    MEMBER_LINKED = "member.linked"
    MEMBER_UNLINKED = "member.unlinked"
    ROLE_CHANGED = "user.role_changed"
    SETTING_CHANGED = "settings.changed"
    ESCALATION_CHANNEL = "settings.escalation_channel"
    KEYS_ROTATED = "keys.rotated"
    FLOW_PUBLISHED = "flow.published"
    FLOW_ARCHIVED = "flow.archived"
    FLOW_RESTORED = "flow.restored"
    FLOW_IMPORTED = "flow.imported"
    PROPOSAL_DECIDED = "proposal.decided"
    SCHEDULE_CHANGED = "schedule.changed"
    SHARE_CREATED = "share.created"
    SHARE_REVOKED = "share.revoked"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit log entry."""

    team_id: str
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    target: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int = 0  # assigned on insert, in insertion order


class AuditRepository(Protocol):
    """The audit log of each team; append-only."""

    async def add(self, entry: AuditEntry) -> None:
        """Append an entry (in the unit of work's transaction)."""
        ...

    async def recent(
        self, team_id: str, limit: int = 20, action: str = "", before: datetime | None = None
    ) -> Sequence[AuditEntry]:
        """The team's newest entries first; ``action`` keeps those whose action starts with it (``"psa"``,
        ``"psa.note_posted"``); ``before`` pages back."""
        ...


def clean_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """``detail`` safe to store: keys naming secrets dropped, strings cut to ``MAX_VALUE``, at most ``MAX_ITEMS``
    keys, nested values reduced to their text."""
    cleaned: dict[str, Any] = {}
    for name, value in list(detail.items())[:MAX_ITEMS]:
        if any(word in name.lower() for word in SECRET_WORDS):
            continue
        if isinstance(value, bool | int | float) or value is None:
            cleaned[name] = value
        else:
            cleaned[name] = str(value)[:MAX_VALUE]
    return cleaned


def entry(
    team_id: str,
    at: datetime,
    actor_id: str,
    actor_name: str,
    action: AuditAction | str,
    target: str = "",
    **detail: Any,
) -> AuditEntry:
    """An entry with its detail cleaned (``clean_detail``)."""
    return AuditEntry(team_id, at, actor_id, actor_name, str(action), target[:MAX_VALUE], clean_detail(detail))


PUSH_ACTIONS = {
    "psa.note": AuditAction.NOTE_POSTED,
    "psa.time": AuditAction.TIME_POSTED,
    "psa.status": AuditAction.STATUS_CHANGED,
    "psa.ticket": AuditAction.TICKET_CREATED,
}


def delivery_entry(item: OutboxItem, result: Mapping[str, Any], shown: str, at: datetime) -> AuditEntry:
    """The entry of a push the outbox delivered: who caused it (the engineer, for pushes queued before the audit
    log), what it wrote where, and what the outside system answered."""
    payload = item.payload
    actor_id = str(payload.get("queued_by") or payload.get("engineer_id") or BOT_ID)
    actor_name = str(payload.get("queued_by_name") or payload.get("engineer_name") or BOT_NAME)
    action = PUSH_ACTIONS.get(item.kind, item.kind)
    target = str(payload.get("target") or (f"ticket #{payload['ticket']}" if payload.get("ticket") else ""))
    return entry(
        item.team_id,
        at,
        actor_id,
        actor_name,
        action,
        target,
        what=str(payload.get("label", "")),
        result=shown,
        session_id=str(payload.get("session_id", "")),
        outbox_id=item.id,
        **{k: v for k, v in result.items() if isinstance(v, int | str) and k != "found_existing"},
    )

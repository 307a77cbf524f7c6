"""The escalation record, the claimer's choices, the team settings escalation reads, and the repository port.

One ``Escalation`` per time a session is escalated (a claimed session can be escalated again later). ``claimed_by``
is set exactly once, by ``EscalationRepository.claim``, a conditional write: of two racing claimers, one wins and
the other finds the row claimed. ``first_action_at`` is the claimer's first step, answer or note after the claim,
read from the session's timeline (``bot.engine.escalation.stats.first_action``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

CHANNELS_SETTING = "escalation_channels"  # {platform: ConversationRef dict}: where escalations are announced
REMINDER_SETTING = "escalation_reminder_minutes"  # re-ping an unclaimed escalation after this long (default 15)
LIST_SETTING = "escalation_list"  # [user id, ...]: who the re-pings widen to, in order
DEFAULT_REMINDER_MINUTES = 15
REMINDER_KIND = "escalation_reminder"  # the scheduler's job kind; payload: {"escalation_id", "session_id"}


class ClaimChoice(StrEnum):
    """How the claimer picks the session up."""

    CONTINUE = "continue"  # continue where the engineer left off: the current step / task lane again
    ANALYSIS = "analysis"  # FlowPilot's structured briefing in the thread first
    TAKEOVER = "takeover"  # "I'll take it from here": ownership only, no AI


class PackageSource(StrEnum):
    """Who wrote the escalation package."""

    FLOWPILOT = "flowpilot"  # FlowPilot's deep tier (or the cached current preview)
    DRAFTING = "drafting"  # FlowPilot is drafting it: the ticket note follows when the draft arrives
    STRUCTURED = "structured"  # built from the session record (``bot.engine.escalation.package``)


@dataclass(slots=True)
class Escalation:
    """One escalation of a session: who, to whom, why, its package and ticket note, and the claim."""

    id: str
    team_id: str
    session_id: str
    escalated_by: str  # user id
    escalated_by_name: str
    created_at: datetime
    reason: str = ""
    target_id: str = ""  # the named senior ("" = the team's queue)
    target_name: str = ""
    package: PackageSource = PackageSource.STRUCTURED
    package_version: int = 0  # the session state the package describes
    outbox_id: str = ""  # the package's ticket note in the outbox ("" while drafting, or with no ticket)
    note_id: str = ""  # the note's PSA id once the outbox posted it
    claimed_by: str = ""
    claimed_by_name: str = ""
    claimed_at: datetime | None = None
    choice: str = ""  # a ``ClaimChoice`` value once the claimer picked one
    first_action_at: datetime | None = None
    reminders: int = 0  # re-pings sent while unclaimed
    last_reminded_at: datetime | None = None

    @property
    def claimed(self) -> bool:
        """Someone claimed it."""
        return bool(self.claimed_by)


class EscalationRepository(Protocol):
    """Escalations of one team's sessions; every call is scoped by team."""

    async def add(self, escalation: Escalation) -> None:
        """Insert an escalation."""
        ...

    async def get(self, team_id: str, escalation_id: str) -> Escalation | None:
        """One escalation by id."""
        ...

    async def latest_for_session(self, team_id: str, session_id: str) -> Escalation | None:
        """The session's newest escalation, if any."""
        ...

    async def by_outbox(self, team_id: str, outbox_id: str) -> Escalation | None:
        """The escalation whose package note is this outbox item."""
        ...

    async def claim(self, team_id: str, escalation_id: str, user_id: str, user_name: str, at: datetime) -> bool:
        """Claim it for ``user_id`` if nobody has: one conditional write, so of concurrent claimers exactly one gets
        True (the others wait for the winner's transaction on PostgreSQL, then see it claimed)."""
        ...

    async def update(self, escalation: Escalation) -> None:
        """Save the package, note, choice, first action and reminders (never the claim: see ``claim``)."""
        ...

    async def since(self, team_id: str, since: datetime) -> Sequence[Escalation]:
        """The team's escalations created at or after ``since``, oldest first."""
        ...

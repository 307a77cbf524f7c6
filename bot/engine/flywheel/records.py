"""The flywheel's records: what it reads from a resolved session (a ``Digest``), a group of similar sessions, a run,
and the repository port it stores runs and reviews through (``uow.flywheel``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.engine.pilot.records import FlowProposal


class ProposalType(StrEnum):
    """What a proposal changes (domain §7)."""

    NEW_FLOW = "new_flow"
    ENHANCEMENT = "enhancement"
    BRANCH_ADDITION = "branch_addition"
    AUTO_REINFORCED = "auto_reinforced"


class ProposalStatus(StrEnum):
    """Where a proposal stands; only ``pending`` ones can be reviewed."""

    PENDING = "pending"
    APPROVED = "approved"
    MODIFIED = "modified"  # published after an admin edited it
    REJECTED = "rejected"
    DISMISSED = "dismissed"
    AUTO_REINFORCED = "auto_reinforced"


class Outcome(StrEnum):
    """How a session's fix turned out, as evidence."""

    WORKED = "worked"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Step:
    """Something the engineer did or checked, redacted: a title, what they found, and a command if any."""

    title: str
    detail: str = ""
    command: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class Digest:
    """One resolved session as the flywheel sees it, every text already redacted.

    ``flow_key`` is set for a guided session that left its flow; ``node_id`` is where it left (custom steps, notes at
    a dead end, a fix outside the flow). Free-form FlowPilot sessions have neither."""

    session_id: str
    title: str
    problem: str
    ended_at: datetime
    engineer: str = ""
    flow_key: str = ""
    flow_version: int = 0
    node_id: str = ""
    category: str = ""
    steps: tuple[Step, ...] = ()
    facts: tuple[str, ...] = ()
    fix: str = ""
    fix_detail: str = ""
    resolution: str = ""
    outcome: Outcome = Outcome.UNKNOWN

    @property
    def text(self) -> str:
        """What similarity is computed on: the problem, the title, the facts and the fix."""
        parts = [self.title, self.problem, *self.facts, self.fix, *(s.title for s in self.steps)]
        return "\n".join(p for p in parts if p)


@dataclass(slots=True)
class Group:
    """Similar sessions that one proposal drafts from. ``flow_key``/``node_id`` set: a branch of that flow there."""

    digests: list[Digest]
    flow_key: str = ""
    flow_version: int = 0
    node_id: str = ""

    @property
    def validated(self) -> bool:
        """At least one session of the group was solved by what it did (ranks first in review)."""
        return any(d.outcome is Outcome.WORKED for d in self.digests)


@dataclass(slots=True)
class FlywheelRun:
    """One run of the flywheel for a team; ``watermark``: the end time of the newest session it read."""

    id: str
    team_id: str
    ran_at: datetime
    trigger: str  # "nightly" | "manual"
    watermark: datetime | None = None
    requested_by: str = ""
    sessions_read: int = 0
    groups: int = 0
    proposals_new: int = 0
    proposals_updated: int = 0
    new_ids: list[str] = field(default_factory=list)  # not stored: the proposals this run created


class FlywheelRepository(Protocol):
    """The flywheel's storage: resolved sessions to read, runs, and proposal lookups and reviews."""

    async def resolved_since(self, team_id: str, after: datetime | None, limit: int) -> Sequence[tuple[str, datetime]]:
        """(id, end time) of the team's resolved sessions that ended after ``after`` (all when None), oldest end
        first, at most ``limit``."""
        ...

    async def last_run(self, team_id: str) -> FlywheelRun | None:
        """The team's newest run."""
        ...

    async def add_run(self, run: FlywheelRun) -> None:
        """Record a run."""
        ...

    async def proposal(self, team_id: str, proposal_id: str) -> FlowProposal | None:
        """One proposal of the team, with its details."""
        ...

    async def by_signature(self, team_id: str, signature: str) -> FlowProposal | None:
        """The proposal drafted from the group with this signature, whatever its status."""
        ...

    async def all_proposals(self, team_id: str, limit: int = 500) -> Sequence[FlowProposal]:
        """The team's proposals in every status, newest first."""
        ...

    async def update_evidence(self, proposal: FlowProposal) -> None:
        """Save a pending proposal's evidence, draft (``source``), description and ``validated_by_outcome``."""
        ...

    async def decide(self, proposal: FlowProposal) -> bool:
        """Save the review of a proposal (status, ``decided_*``, reason, published version) only if it is still
        pending in the database; False when another reviewer decided first (nothing is written)."""
        ...

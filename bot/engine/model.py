"""The session aggregate and the records that hang off it. Pure standard library.

State names follow the ResolutionFlow product (see ``shared/reference/domain.md``). Every mutable field of a
``Session`` is plain data so the store can persist it without knowing the rules; the rules live in
``bot.engine`` services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a user may do in their team."""

    SUPER_ADMIN = "super_admin"
    TEAM_ADMIN = "team_admin"
    ENGINEER = "engineer"
    VIEWER = "viewer"


class SessionType(StrEnum):
    """Guided flow run or free-form copilot chat."""

    GUIDED = "guided"
    CHAT = "chat"


class SessionStatus(StrEnum):
    """Lifecycle: active -> resolved | escalated | abandoned, with paused <-> active along the way."""

    ACTIVE = "active"
    PAUSED = "paused"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    ABANDONED = "abandoned"
    REQUESTING_ESCALATION = "requesting_escalation"  # legacy: read, never produce

    @property
    def is_open(self) -> bool:
        """Active or paused: the session can still change."""
        return self in (SessionStatus.ACTIVE, SessionStatus.PAUSED)


class IntakeType(StrEnum):
    """How the problem came in."""

    FREE_TEXT = "free_text"
    PSA_TICKET = "psa_ticket"
    SCREENSHOT = "screenshot"
    LOG_PASTE = "log_paste"
    COMBINED = "combined"


class ConfidenceTier(StrEnum):
    """FlowPilot's confidence tier."""

    DISCOVERY = "discovery"
    EXPLORING = "exploring"
    GUIDED = "guided"


class TimelineKind(StrEnum):
    """Kinds of append-only timeline entries."""

    STARTED = "started"
    STEP_ANSWERED = "step_answered"
    NOTE = "note"
    CUSTOM_STEP = "custom_step"
    BACK = "back"
    PAUSED = "paused"
    RESUMED = "resumed"
    NUDGED = "nudged"  # the owner of a paused session was reminded (once per pause: bot.engine.commands.idle_sweep)
    TICKET_LINKED = "ticket_linked"
    VARIABLES_SET = "variables_set"
    SUBFLOW_ENTERED = "subflow_entered"
    SUBFLOW_RETURNED = "subflow_returned"
    TARGET_SKIPPED = "target_skipped"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"
    EXPORTED = "exported"
    PSA_PUSHED = "psa_pushed"  # a note/time entry/status reached the PSA (recorded by the bot, not a user)
    PSA_PUSH_FAILED = "psa_push_failed"
    # FlowPilot
    PILOT_ASKED = "pilot_asked"  # the engineer's words to FlowPilot (the problem, a message in the thread)
    PILOT_REPLIED = "pilot_replied"  # FlowPilot's visible reply (detail: turn kind, tier, confidence)
    LANE_ANSWERED = "lane_answered"  # a question answered / a check's result recorded
    FACT_ADDED = "fact_added"
    FIX_SUGGESTED = "fix_suggested"
    FIX_DECIDED = "fix_decided"
    FIX_OUTCOME = "fix_outcome"
    PREFERENCE_SET = "preference_set"
    # escalation and handoff (bot.engine.escalation)
    ESCALATED = "escalated"  # detail: escalation id, target, package
    CLAIMED = "claimed"  # a claimer took the escalation over (the session's owner changed)
    HANDED_OVER = "handed_over"  # the claimer's choice: continue / AI analysis / take it from here


class FactSource(StrEnum):
    """Where a fact came from."""

    AI_PROMOTED = "ai_promoted"
    ENGINEER_NOTE = "engineer_note"
    QUESTION = "question"
    CHECK = "check"
    FLOW_STEP = "flow_step"


class FixDecision(StrEnum):
    """What the engineer decided about a suggested fix."""

    ONE_OFF = "one_off"
    DRAFT_TEMPLATE = "draft_template"
    BUILD_TEMPLATE = "build_template"
    DISMISSED = "dismissed"


class FixStatus(StrEnum):
    """Outcome of a suggested fix."""

    PROPOSED = "proposed"
    APPLIED_SUCCESS = "applied_success"
    APPLIED_FAILED = "applied_failed"
    APPLIED_PARTIAL = "applied_partial"
    APPLIED_PENDING = "applied_pending"
    DISMISSED = "dismissed"


class NoteKind(StrEnum):
    """Documents the bot produces."""

    SESSION_DOCUMENTATION = "session_documentation"
    RESOLUTION = "resolution"
    ESCALATION_PACKAGE = "escalation_package"
    EXPORT = "export"


@dataclass(slots=True)
class Team:
    """A tenant team."""

    id: str
    name: str
    created_at: datetime


@dataclass(slots=True)
class User:
    """A person in a team, with their chat identities (``{"console": "alice", "slack": "U123"}``)."""

    id: str
    team_id: str
    display_name: str
    role: Role
    email: str = ""
    identities: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(slots=True)
class TicketLink:
    """A PSA ticket linked to a session."""

    number: str
    summary: str = ""
    company: str = ""


@dataclass(slots=True)
class TaskLaneItem:
    """A question or diagnostic check in FlowPilot's task lane; ``id`` is a stable UUID.

    A check's ``text`` is its label; ``detail`` its description. ``draft`` holds a fact drafted from the item
    while the engineer decides on it; ``fact_id`` the fact it became.
    """

    id: str
    kind: str  # "question" | "check"
    text: str
    options: list[str] = field(default_factory=list)
    command: str = ""
    status: str = "open"  # open | answered | done | skipped
    answer: str = ""
    detail: str = ""
    language: str = ""
    expected: str = ""
    action_type: str = ""
    answered_by: str = ""
    answered_at: str = ""  # ISO time
    draft: str = ""
    fact_id: str = ""
    turn: int = 0  # the copilot turn that raised it


@dataclass(slots=True)
class FlowFrame:
    """A parent flow to return to when a sub-flow finishes."""

    flow_key: str
    flow_version: int
    return_node: str


@dataclass(slots=True)
class Session:
    """One engineer working one problem, in one conversation."""

    id: str
    team_id: str
    engineer_id: str
    conversation: dict[str, Any]
    conversation_key: str
    started_at: datetime
    updated_at: datetime
    session_type: SessionType = SessionType.GUIDED
    status: SessionStatus = SessionStatus.ACTIVE
    intake_type: IntakeType = IntakeType.FREE_TEXT
    title: str = ""
    problem_summary: str = ""
    flow_key: str = ""
    flow_version: int = 0
    current_node: str = ""
    flow_stack: list[FlowFrame] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # node ids answered, for `back`
    variables: dict[str, str] = field(default_factory=dict)
    target_index: int = 0
    targets_done: list[str] = field(default_factory=list)
    custom_step: str = ""  # title of a pending custom step, if one was added
    ticket: TicketLink | None = None
    state_version: int = 0
    step_count: int = 0
    ended_at: datetime | None = None
    resolution_summary: str = ""
    followups: list[str] = field(default_factory=list)
    # triage header
    client_name: str = ""
    asset_name: str = ""
    issue_category: str = ""
    triage_hypothesis: str = ""
    evidence_items: list[str] = field(default_factory=list)
    problem_domain: str = ""
    match_score: float | None = None
    confidence_tier: ConfidenceTier = ConfidenceTier.DISCOVERY
    confidence: float = 0.0
    pending_task_lane: list[TaskLaneItem] = field(default_factory=list)
    escalation_reason: str = ""
    escalation_target: str = ""
    resolution_note_external_id: str = ""
    resolution_note_posted_at: datetime | None = None
    escalation_package_external_id: str = ""
    escalation_package_posted_at: datetime | None = None
    pilot_preference: str = ""  # "gui" | "script" once the engineer said which they prefer
    pilot_turns: int = 0  # copilot turns requested so far (numbers each turn's message)
    pilot_outcome: dict[str, str] = field(default_factory=dict)  # an outcome FlowPilot proposed: fix_id/status/reason
    matched_flow: str = ""  # the flow retrieval matched at intake (its score is ``match_score``)

    def bump(self, now: datetime) -> None:
        """Record a write: bump ``state_version`` and ``updated_at``."""
        self.state_version += 1
        self.updated_at = now


@dataclass(slots=True)
class TimelineEntry:
    """One append-only entry of a session's timeline."""

    id: str
    team_id: str
    session_id: str
    at: datetime
    kind: TimelineKind
    actor_id: str
    actor_name: str
    node_id: str = ""
    title: str = ""
    answer: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # assigned by the store


@dataclass(slots=True)
class Fact:
    """A confirmed fact in "What we know"."""

    id: str
    team_id: str
    session_id: str
    text: str
    source: FactSource
    created_at: datetime
    summary: str = ""
    source_ref: str = ""
    deleted_at: datetime | None = None


@dataclass(slots=True)
class SuggestedFix:
    """A fix FlowPilot suggested; at most one per session has ``superseded_at`` unset."""

    id: str
    team_id: str
    session_id: str
    title: str
    created_at: datetime
    description: str = ""
    confidence: int = 0
    script: str = ""
    script_language: str = ""
    template_id: str = ""
    template_params: dict[str, Any] = field(default_factory=dict)
    user_decision: FixDecision | None = None
    status: FixStatus = FixStatus.PROPOSED
    status_reason: str = ""
    superseded_at: datetime | None = None
    applied_at: datetime | None = None
    verified_at: datetime | None = None


@dataclass(slots=True)
class ScriptGeneration:
    """A script FlowPilot drafted (shown, stored, never executed)."""

    id: str
    team_id: str
    session_id: str
    language: str
    script: str
    created_at: datetime
    purpose: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Note:
    """A rendered document and, once posted to the PSA, its external id."""

    id: str
    team_id: str
    session_id: str
    kind: NoteKind
    format: str
    body: str
    created_at: datetime
    redactions: dict[str, int] = field(default_factory=dict)
    external_id: str = ""
    posted_at: datetime | None = None


@dataclass(slots=True)
class OutboxItem:
    """An outside effect queued in the same transaction as the change that caused it."""

    id: str
    team_id: str
    kind: str  # e.g. "psa.add_note"
    payload: dict[str, Any]
    idempotency_key: str
    created_at: datetime
    status: str = "pending"  # pending | done | failed
    attempts: int = 0  # deliveries started (a claim counts: a crash mid-delivery leaves the count raised)
    next_attempt_at: datetime | None = None
    last_error: str = ""
    delivered_at: datetime | None = None
    result: dict[str, Any] = field(default_factory=dict)  # what the outside system answered, e.g. {"note_id": 9}


@dataclass(slots=True)
class InboxItem:
    """An inbound event persisted before it was acknowledged; the worker hands it to the engine."""

    id: int
    team_id: str
    dedupe_key: str
    kind: str  # the platform that delivered it, e.g. "slack"
    payload: dict[str, Any]
    received_at: datetime
    attempts: int = 0

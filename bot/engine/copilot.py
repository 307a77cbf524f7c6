"""The copilot port: what FlowPilot is asked (a ``Brief``) and what it answers (a ``PilotTurn``, a document, …).

Pure data and protocols. Implementations live in ``bot.pilot`` (``claude`` over the Anthropic API, ``offline``
deterministic). An implementation hands back these typed, already validated values or raises
``CopilotUnavailable``; the engine then falls back to the offline copilot for that call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.engine.model import FixStatus


class TurnKind(StrEnum):
    """The shape of a structured turn (domain §6)."""

    QUESTION = "question"
    ACTION = "action"
    RESOLUTION_SUGGESTION = "resolution_suggestion"
    FORK = "fork"
    CHAT = "chat"  # prose only (a greeting, an explanation)


class ActionType(StrEnum):
    """What an ``action`` turn asks the engineer to do."""

    INSTRUCTION = "instruction"
    SCRIPT_GENERATION = "script_generation"
    VERIFICATION = "verification"
    INFO_REQUEST = "info_request"
    OPEN_SCRIPT_BUILDER = "open_script_builder"


class ModelTier(StrEnum):
    """Which model answers: the fast one for routine turns, the deep one for hard turns and documents."""

    FAST = "fast"
    DEEP = "deep"


class Purpose(StrEnum):
    """Why the copilot is called (drives routing and metrics)."""

    TURN = "turn"
    FACT = "fact"
    DOCUMENT = "document"
    STATUS = "status"
    FLOW = "flow"


class DocKind(StrEnum):
    """Documents the copilot writes."""

    RESOLUTION = "resolution"
    ESCALATION = "escalation"


class StatusKind(StrEnum):
    """On-demand status updates."""

    TICKET_NOTES = "ticket_notes"
    CLIENT_UPDATE = "client_update"
    EMAIL_DRAFT = "email_draft"
    REQUEST_INFO = "request_info"


class CopilotUnavailable(Exception):
    """The copilot could not answer (outage, rate limit after retries, output still invalid after one repair)."""


# --- what the copilot answers ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaneQuestion:
    """A question for the task lane: 2-4 quick replies; free text is always allowed in the thread."""

    text: str
    options: tuple[str, ...] = ()
    allow_skip: bool = True


@dataclass(frozen=True, slots=True)
class LaneCheck:
    """A diagnostic check: what to run (PowerShell by default; no command for GUI-only steps) and what to expect."""

    label: str
    description: str = ""
    command: str = ""
    language: str = "powershell"
    action_type: ActionType = ActionType.VERIFICATION
    expected: str = ""


@dataclass(frozen=True, slots=True)
class ScriptParam:
    """A parameter of a drafted script; ``secret`` ones (type ``password``) are redacted everywhere."""

    name: str
    value: str = ""
    secret: bool = False


@dataclass(frozen=True, slots=True)
class FixProposal:
    """A suggested fix (confidence 0-100), optionally with a drafted script (shown, stored, never executed)."""

    title: str
    description: str = ""
    confidence: int = 50
    script: str = ""
    script_language: str = ""
    parameters: tuple[ScriptParam, ...] = ()


@dataclass(frozen=True, slots=True)
class OutcomeProposal:
    """The copilot thinks the active fix has this outcome; only the engineer's confirmation changes it."""

    status: FixStatus
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TriageUpdate:
    """Triage header values; the engine fills a field only while it is empty and only appends evidence."""

    client_name: str = ""
    asset_name: str = ""
    issue_category: str = ""
    triage_hypothesis: str = ""
    evidence_items: tuple[str, ...] = ()
    problem_domain: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class ForkOption:
    """One hypothesis to explore as a branch."""

    label: str
    hypothesis: str = ""


@dataclass(frozen=True, slots=True)
class PilotTurn:
    """One validated copilot reply. ``reasoning`` is internal and never shown."""

    kind: TurnKind
    message: str
    confidence: float
    questions: tuple[LaneQuestion, ...] = ()
    checks: tuple[LaneCheck, ...] = ()
    promote: tuple[str, ...] = ()
    fixes: tuple[FixProposal, ...] = ()  # several in one reply: the last wins
    outcome: OutcomeProposal | None = None
    triage: TriageUpdate | None = None
    fork_reason: str = ""
    fork: tuple[ForkOption, ...] = ()
    resolution_summary: str = ""
    followups: tuple[str, ...] = ()
    reasoning: str = ""
    tier: str = ""  # what answered: "fast" | "deep" | "offline"
    note: str = ""  # shown small, e.g. why this turn was answered offline


@dataclass(frozen=True, slots=True)
class PilotDocument:
    """A generated document: ordered (heading, body) sections plus, for escalations, a structured assessment."""

    kind: DocKind
    sections: tuple[tuple[str, str], ...]
    assessment: dict[str, object] = field(default_factory=dict)
    tier: str = ""


# --- what the copilot is told ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BriefItem:
    """A task-lane item as the copilot sees it."""

    id: str
    kind: str
    text: str
    status: str
    answer: str = ""
    command: str = ""


@dataclass(frozen=True, slots=True)
class BriefFix:
    """A suggested fix as the copilot sees it."""

    title: str
    status: str
    description: str = ""
    reason: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieval result: a flow or a past resolved session."""

    kind: str  # "flow" | "session"
    ref: str  # flow key, or session id
    title: str
    snippet: str = ""
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file shared in the thread, passed to the model (images and documents)."""

    name: str
    mime_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Brief:
    """Everything the copilot may know about a session for one call. Built by the engine from stored state."""

    session_id: str
    team_id: str
    problem: str
    transcript: tuple[tuple[str, str], ...] = ()  # ("engineer" | "pilot", text), oldest first
    title: str = ""
    ticket: str = ""  # a context block about the linked ticket ("" if none or the PSA was unreachable)
    triage: TriageUpdate = TriageUpdate()
    facts: tuple[str, ...] = ()
    lane: tuple[BriefItem, ...] = ()
    fixes: tuple[BriefFix, ...] = ()
    flow_context: str = ""  # guided flows: the flow and the step the engineer is on
    preference: str = ""  # "gui" | "script" | "" (not asked yet)
    turn: int = 0
    confidence: float = 0.0
    failed_fixes: int = 0
    similar: tuple[Hit, ...] = ()
    matched_flow: str = ""  # key of the flow matched at intake, if any
    attachments: tuple[Attachment, ...] = ()
    tools_enabled: bool = False


TextSink = Callable[[str], Awaitable[None]]
"""Receives the reply's visible text so far while a model streams (the engine coalesces the edits)."""


class Copilot(Protocol):
    """FlowPilot's brain. ``mode`` is shown in the thread ("claude" or "offline")."""

    mode: str

    async def turn(self, brief: Brief, tier: ModelTier, stream: TextSink | None = None) -> PilotTurn:
        """The next structured turn."""
        ...

    async def draft_fact(self, brief: Brief, item: BriefItem) -> str:
        """A one-sentence fact from an answered question or a completed check; "" when there is no fact in it."""
        ...

    async def document(self, brief: Brief, kind: DocKind) -> PilotDocument:
        """The resolution note (4 sections) or escalation package (5 sections), outcome-aware."""
        ...

    async def status_update(self, brief: Brief, kind: StatusKind, detailed: bool) -> str:
        """A status update on demand."""
        ...

    async def generate_flow(self, team_id: str, description: str) -> str:
        """A draft flow in the bot's YAML format (validated by the caller)."""
        ...


class Retriever(Protocol):
    """Search over flows and past resolved sessions (hybrid semantic + lexical when embeddings are available)."""

    async def search(
        self, team_id: str, query: str, kinds: tuple[str, ...] = ("flow", "session"), limit: int = 5
    ) -> list[Hit]:
        """The best hits for ``query`` visible to the team, best first."""
        ...

    async def match_flows(self, team_id: str, text: str, limit: int = 3) -> list[Hit]:
        """Flows matching a problem description with a composite score above the match threshold, best first."""
        ...

"""Inbound events: what a platform adapter hands to the engine, already translated to neutral terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a chat identity on one platform (``platform_user_id`` is the platform's own id)."""

    platform: str
    platform_user_id: str
    display_name: str
    email: str = ""

    @property
    def key(self) -> str:
        """A platform-qualified identity key, e.g. ``slack:U123``."""
        return f"{self.platform}:{self.platform_user_id}"


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """Where a conversation lives: platform, channel and thread, plus an opaque bag the adapter needs to reply.

    The engine uses ``key`` to find the session a message belongs to and never looks inside ``extras``.
    """

    platform: str
    channel: str
    thread: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The conversation key: one active session per key."""
        return f"{self.platform}:{self.channel}:{self.thread}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form for storage."""
        return {"platform": self.platform, "channel": self.channel, "thread": self.thread, "extras": self.extras}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationRef:
        """Inverse of ``to_dict``."""
        return cls(
            platform=str(data.get("platform", "")),
            channel=str(data.get("channel", "")),
            thread=str(data.get("thread", "")),
            extras=dict(data.get("extras") or {}),
        )


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file shared with a message, by reference: what the engine may read (name, media type, size in bytes) and
    an opaque ``locator`` that only the platform's ``FileFetcher`` understands (Slack: the file id and its private
    download URL). ``size`` is what the platform declared (0 when unknown); the fetcher enforces the real size.
    """

    name: str
    mime_type: str
    size: int
    platform: str
    locator: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form for storage (the inbox, the timeline)."""
        return {
            "name": self.name,
            "mime_type": self.mime_type,
            "size": self.size,
            "platform": self.platform,
            "locator": dict(self.locator),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileRef:
        """Inverse of ``to_dict``."""
        locator = data.get("locator") or {}
        return cls(
            name=str(data.get("name", "")),
            mime_type=str(data.get("mime_type", "")),
            size=int(data.get("size") or 0),
            platform=str(data.get("platform", "")),
            locator={str(k): str(v) for k, v in dict(locator).items()},
        )


class ActionId(StrEnum):
    """Every button/select action the engine understands. Adapters round-trip these values verbatim."""

    CHOOSE = "choose"  # answer a decision node (value = option key)
    DONE = "done"  # complete an action/procedure step (value = "ok" | "skipped" | "failed")
    ENTER_VALUE = "enter_value"  # open the form for a step that asks for a typed value
    BACK = "back"
    PAUSE = "pause"
    RESUME = "resume"
    RESOLVE = "resolve"  # open the resolve form
    ABANDON = "abandon"  # ask to confirm abandoning
    CONFIRM_ABANDON = "confirm_abandon"
    CANCEL = "cancel"
    SUBFLOW_RETURN = "subflow_return"  # back to the parent flow after a sub-flow's solution did not fix it
    SKIP_TARGET = "skip_target"  # maintenance: skip the rest of the current target
    START_FLOW = "start_flow"  # value = flow key (from search/list results)
    REPLACE_SESSION = "replace_session"  # value = "park" | "abandon" | "continue" when a thread already has one
    RETRY_PUSH = "retry_push"  # value = outbox item id of a PSA push that failed
    # FlowPilot (values address task-lane items and fixes by their stable ids, so they never go stale by version)
    ASK_PILOT = "ask_pilot"  # ask FlowPilot about the current step of a guided flow
    LANE_ANSWER = "lane_answer"  # value = "<item id>:<option index>"
    LANE_RESULT = "lane_result"  # a check's result: value = "<item id>:<passed|failed|skipped>"
    LANE_TEXT = "lane_text"  # open the form to answer a lane item in words (value = item id)
    PROMOTE = "promote"  # value = item id: draft a fact from an answered item
    FACT_CONFIRM = "fact_confirm"  # value = item id: keep the drafted fact
    FACT_EDIT = "fact_edit"  # value = item id: edit the drafted fact before keeping it
    FACT_NONE = "fact_none"  # value = item id: there is no fact in it
    FIX_DECISION = "fix_decision"  # value = "<fix id>:<one_off|draft_template|dismissed>"
    FIX_OUTCOME = "fix_outcome"  # value = "<fix id>:<applied_success|applied_failed|applied_partial|applied_pending>"
    OUTCOME_CONFIRM = "outcome_confirm"  # value = "<fix id>:<status>": confirm what FlowPilot proposed
    OUTCOME_REJECT = "outcome_reject"  # value = fix id: FlowPilot's proposed outcome is wrong
    PREFERENCE = "preference"  # value = "gui" | "script"
    FORK_PICK = "fork_pick"  # value = the hypothesis to explore
    CONFIRM_POST = "confirm_post"  # value = document kind: post the previewed document
    EDIT_DOCUMENT = "edit_document"  # value = document kind: open the previewed document in a form
    STATUS_UPDATE = "status_update"  # value = "<status kind>:<quick|detailed>": draft a status update
    POST_STATUS_NOTE = "post_status_note"  # value = "<seq>:<quick|detailed>": post a drafted ticket note once
    PACKAGE = "package"  # draft the escalation package (or show the cached preview of an unchanged session)
    POST_PACKAGE = "post_package"  # value = document kind: post the previewed package to the ticket, once
    # escalation and handoff (bot.engine.commands.escalate / escalation_claim; values address the escalation by id)
    ESCALATE = "escalate"  # open the escalate form (to whom, why)
    CLAIM = "claim"  # value = escalation id
    CLAIM_CHOICE = "claim_choice"  # value = "<escalation id>:<continue|analysis|takeover>"
    # maintenance runs (bot.engine.commands.maintenance_actions; session_id = the run id, values address the target)
    RUN_CHECKLIST = "run_checklist"  # value = target index: post its checklist in the run card's thread
    RUN_ALL_OK = "run_all_ok"  # value = target index
    RUN_SKIP_TARGET = "run_skip_target"  # value = target index
    RUN_STEP = "run_step"  # value = "<target index>:<ok|issue|skipped|value>:<step id>"
    RUN_RETRY_PUSH = "run_retry_push"  # value = outbox item id of a run's failed summary note / board ticket
    SCHEDULE_REMOVE = "schedule_remove"  # value = schedule id: confirm `schedule remove`
    # team settings and the idle sweep (bot.engine.commands.admin_settings / idle_sweep)
    EDIT_SETTINGS = "edit_settings"  # open the team settings form (no session)
    NUDGE_RESUME = "nudge_resume"  # Resume on a paused-session reminder: resume in the session's own thread
    # flow proposal review (bot.engine.flywheel.review; no session: value = proposal id)
    PROPOSAL_APPROVE = "proposal_approve"  # publish the proposal as it is
    PROPOSAL_EDIT = "proposal_edit"  # open the proposal's YAML in a form, publish the edited flow
    PROPOSAL_REJECT = "proposal_reject"  # open the form asking for an optional reason
    PROPOSAL_DISMISS = "proposal_dismiss"  # set it aside without a verdict
    PROPOSAL_SHOW = "proposal_show"  # show one proposal with its YAML
    # the step library (bot.engine.commands.library): session_id = the session it was offered in ("" for none)
    STEP_RATE = "step_rate"  # value = "<library step id>:<up|down>"
    STEP_REVIEW = "step_review"  # value = library step id: open the review form
    STEP_SHOW = "step_show"  # value = library step id
    STEP_ADD = "step_add"  # value = library step id: add it to the session as a custom step
    # the flow library (bot.engine.commands.flow_library): no session
    FLOW_SHOW = "flow_show"  # value = flow key
    FLOW_BROWSE = "flow_browse"  # value = folder path ("" = the top level)


class FormId(StrEnum):
    """Every form the engine can open."""

    RESOLVE = "resolve"
    STEP_VALUE = "step_value"  # a procedure step that asks for a text value
    INTAKE = "intake"  # [VAR:name] values for a procedural flow
    LINK_TICKET = "link_ticket"
    PSA_CONNECT = "psa_connect"  # a team admin connects the team's PSA (no session)
    LANE_TEXT = "lane_text"  # answer a task-lane item in words
    FACT_EDIT = "fact_edit"  # edit a drafted fact before keeping it
    FIX_PENDING = "fix_pending"  # a fix is applied but not verified yet: why
    DOCUMENT = "document"  # edit a previewed resolution note before posting it
    PACKAGE = "package"  # edit a previewed escalation package before posting it
    ESCALATE = "escalate"  # escalate a session: to whom (optional) and why
    RUN_VALUE = "run_value"  # a maintenance step's typed value (session_id = run id; input named "<index>:<step>")
    RUN_ISSUE = "run_issue"  # what is wrong with a maintenance step (same addressing)
    TEAM_SETTINGS = "team_settings"  # a team admin edits the team's settings (no session)
    PROPOSAL_EDIT = "proposal_edit"  # the edited YAML of a flow proposal (session_id = the proposal id)
    PROPOSAL_REJECT = "proposal_reject"  # why a flow proposal is rejected (session_id = the proposal id)
    STEP_LIBRARY = "step_library"  # add (session_id "") or edit (session_id = library step id) a library step
    STEP_REVIEW = "step_review"  # rate and review a library step (session_id = "<step id>:<session id>")


SESSIONLESS_FORMS = frozenset({FormId.PSA_CONNECT, FormId.TEAM_SETTINGS})
# Form fields that are credentials: the intake seals (encrypts) them before the event is written to the inbox.
SEALED_FIELDS: dict[FormId, frozenset[str]] = {FormId.PSA_CONNECT: frozenset({"public_key", "private_key"})}


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Fields every inbound event carries. ``event_id`` is the adapter's dedupe key for the inbox."""

    team_id: str
    actor: Actor
    conversation: ConversationRef
    at: datetime
    event_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandIssued(Event):
    """A command such as ``start vpn #12345`` (``name`` = "start", ``args`` = "vpn #12345"); ``files`` shared with
    it (a mention or a DM that starts FlowPilot with a screenshot)."""

    name: str
    args: str = ""
    files: tuple[FileRef, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReceived(Event):
    """Free text typed in a session's thread, and the files shared with it (``text`` may be empty when a file was
    shared alone)."""

    text: str
    files: tuple[FileRef, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """A click on a button or a choice in a select, bound to the session state it was shown for."""

    action: ActionId
    session_id: str
    state_version: int
    value: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FormSubmitted(Event):
    """A submitted form (modal / card inputs)."""

    form: FormId
    session_id: str
    state_version: int
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerFired(Event):
    """A scheduled job firing for a session (reminders, idle abandonment)."""

    job: str
    session_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadStarted(Event):
    """The platform created a thread for a session (its card became the thread's first message)."""

    session_id: str
    thread: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeOpened(Event):
    """The user opened the bot's home surface (Slack App Home): show their sessions."""


class DeliveryState(StrEnum):
    """Where a push to an outside system (a PSA note, a time entry) stands."""

    QUEUED = "queued"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReported(Event):
    """The outbox worker reports on a push it made for a session (bookkeeping: no user acts)."""

    session_id: str
    outbox_id: str
    state: DeliveryState
    label: str  # what was pushed, e.g. "Resolution note"
    target: str = ""  # where, e.g. "ticket #12345"
    result: str = ""  # e.g. "note #9001"
    error: str = ""  # why it failed or is being retried (written for the engineer)
    attempt: int = 0


class PilotJob(StrEnum):
    """Slow copilot work the engine queues for itself (model calls run outside any transaction)."""

    TURN = "turn"
    FACT = "fact"  # draft a fact from a task-lane item (arg = item id)
    DOCUMENT = "document"  # preview a document (arg = document kind)
    STATUS = "status"  # a status update (arg = "<kind>:<quick|detailed>")
    FLOW = "flow"  # draft a flow from a description (arg = the description; no session)
    FLYWHEEL = "flywheel"  # run the knowledge flywheel for the team (arg = "nightly" | "manual"; no session)


@dataclass(frozen=True, slots=True, kw_only=True)
class PilotWork(Event):
    """Queued copilot work for a session. ``actor`` is who asked; ``seq`` makes each request unique."""

    session_id: str
    job: PilotJob
    seq: int
    arg: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleFired(Event):
    """A stored schedule's fire (``bot.engine.scheduled``): written to the inbox by the scheduler in the transaction
    that recorded the run, once per (schedule, fire time). ``session_id`` (from the payload, may be empty) puts it in
    its session's lane."""

    schedule_id: str
    kind: str  # a ``ScheduleKind`` value; unknown kinds are logged and marked done
    fire_time: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    session_id: str = ""


InboundEvent = (
    CommandIssued
    | MessageReceived
    | ButtonPressed
    | FormSubmitted
    | TimerFired
    | ThreadStarted
    | HomeOpened
    | DeliveryReported
    | PilotWork
    | ScheduleFired
)

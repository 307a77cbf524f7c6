"""The maintenance run record, its per-target and per-step results, and the repository port.

One ``MaintenanceRun`` per fire of a ``maintenance_run`` schedule (``UNIQUE (schedule_id, fire_time)``: a fire
handed over twice finds its run and creates nothing), or per ``schedule run FLOW`` (no schedule). Results live in
the run as JSON, one ``TargetResult`` per target of the flow, each with one ``StepResult`` per answered step.
``version`` grows with every save: ``save`` is a conditional write over the version the caller loaded, so of two
engineers clicking at once, the second one's transaction is retried on the fresh row and no result is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

RUN_KIND = "maintenance_run"  # the schedule kind: payload {"flow": key}; conversation = where runs are posted
DEADLINE_KIND = "maintenance_deadline"  # a one-off per run: payload {"run_id", "session_id"} (= the run id: its lane)
DEFAULT_DEADLINE = timedelta(hours=12)
PSA_TICKET = "psa.ticket"  # the outbox kind that opens a ticket on a board (``bot.jobs.outbox_tickets``)


def schedule_key(flow_key: str) -> str:
    """The key of a flow's run schedule (one per flow and team)."""
    return f"maintenance:{flow_key}"


def deadline_key(run_id: str) -> str:
    """The key of a run's one-off deadline schedule."""
    return f"maintenance-deadline:{run_id}"


class RunStatus(StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    COMPLETED = "completed"  # every target done (ok, issues or skipped)
    EXPIRED = "expired"  # the deadline came first


class TargetStatus(StrEnum):
    """One target's state."""

    PENDING = "pending"  # not started, or some steps still open
    OK = "ok"
    ISSUES = "issues"  # done, with at least one step marked Issue
    SKIPPED = "skipped"

    @property
    def done(self) -> bool:
        """Counted in "X/Y targets complete"."""
        return self is not TargetStatus.PENDING


class StepOutcome(StrEnum):
    """One step's result on one target."""

    OK = "ok"
    ISSUE = "issue"
    SKIPPED = "skipped"


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


@dataclass(slots=True)
class StepResult:
    """What an engineer recorded for one step of one target (``value``: a typed answer; ``note``: an issue's why)."""

    outcome: StepOutcome
    by: str
    by_id: str
    at: datetime
    value: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "outcome": self.outcome.value,
            "by": self.by,
            "by_id": self.by_id,
            "at": self.at.isoformat(),
            "value": self.value,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepResult:
        """Inverse of ``to_dict``."""
        at = _time(data.get("at"))
        assert at is not None, "a step result always has a time"
        return cls(
            StepOutcome(str(data["outcome"])),
            str(data.get("by", "")),
            str(data.get("by_id", "")),
            at,
            str(data.get("value", "")),
            str(data.get("note", "")),
        )


@dataclass(slots=True)
class TargetResult:
    """One target of the run: the flow's label and notes, its status, its step results, who finished it and when."""

    label: str
    notes: str = ""
    status: TargetStatus = TargetStatus.PENDING
    steps: dict[str, StepResult] = field(default_factory=dict)
    by: str = ""
    at: datetime | None = None
    started_at: datetime | None = None
    checklist_shown: bool = False  # its checklist was posted in the thread (so changes redraw it)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "label": self.label,
            "notes": self.notes,
            "status": self.status.value,
            "steps": {k: v.to_dict() for k, v in self.steps.items()},
            "by": self.by,
            "at": self.at.isoformat() if self.at else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "checklist_shown": self.checklist_shown,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetResult:
        """Inverse of ``to_dict``."""
        steps = data.get("steps") or {}
        return cls(
            label=str(data.get("label", "")),
            notes=str(data.get("notes", "")),
            status=TargetStatus(str(data.get("status", TargetStatus.PENDING.value))),
            steps={str(k): StepResult.from_dict(v) for k, v in dict(steps).items()},
            by=str(data.get("by", "")),
            at=_time(data.get("at")),
            started_at=_time(data.get("started_at")),
            checklist_shown=bool(data.get("checklist_shown", False)),
        )


@dataclass(slots=True)
class MaintenanceRun:
    """One run of a maintenance flow over its targets.

    ``conversation``: where the run card was posted (its ``thread`` filled in once the card opened one);
    ``card_ref``: the card's message ref; ``schedule_id``: "" for a run started by hand; ``outbox_id``: the summary's
    ticket note in the outbox ("" when none was queued); ``ticket``: the ticket it goes to (None: a new ticket on the
    team's maintenance board, or no note)."""

    id: str
    team_id: str
    flow_key: str
    flow_version: int
    flow_name: str
    schedule_id: str
    fire_time: datetime
    created_at: datetime
    deadline: datetime
    conversation: dict[str, Any]
    card_ref: str
    targets: list[TargetResult]
    status: RunStatus = RunStatus.RUNNING
    version: int = 1
    finished_at: datetime | None = None
    outbox_id: str = ""
    ticket: int | None = None
    started_by: str = ""  # who started a run by hand ("" for a scheduled run)

    def results_json(self) -> list[dict[str, Any]]:
        """The targets' results as stored."""
        return [t.to_dict() for t in self.targets]


class MaintenanceRunRepository(Protocol):
    """Maintenance runs of one team; every call is scoped by team."""

    async def add(self, run: MaintenanceRun) -> bool:
        """Insert a run; False (nothing written) when its schedule already has a run at that fire time."""
        ...

    async def get(self, team_id: str, run_id: str) -> MaintenanceRun | None:
        """One run by id."""
        ...

    async def by_fire(self, team_id: str, schedule_id: str, fire_time: datetime) -> MaintenanceRun | None:
        """The run of one fire of a schedule, if it was created."""
        ...

    async def save(self, run: MaintenanceRun, expected_version: int) -> None:
        """Write the run's status, results, thread, note and finish time if its stored version is still
        ``expected_version``, and set ``run.version`` to the next one; ``ConcurrentWriteError`` when another writer
        saved it first (the caller's unit of work is retried)."""
        ...

    async def recent(self, team_id: str, limit: int = 10) -> list[MaintenanceRun]:
        """The team's newest runs, newest first."""
        ...

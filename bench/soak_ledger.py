"""What the soak's engineers did, phase by phase: the record the checks and the report read.

Time is ``time.monotonic()``, except the wall-clock marks compared with the database's time stamps. A **phase** is
the steady start (``baseline``) or one fault drill, from its start to the next phase's start; every request,
session and success is counted in the phase it happened in; ``blame`` says which phase a problem is charged to
(``bench.soak_checks``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

IN_FLIGHT = timedelta(seconds=2)  # how long before a fault began a reply may still have been on its way


@dataclass
class Phase:
    """One phase: ``name`` (``baseline`` or a drill), its window, and when its fault started and ended."""

    name: str
    start: float
    start_wall: datetime = field(default_factory=lambda: datetime.now(UTC))
    fault_start: float = 0.0
    fault_end: float = 0.0
    fault_start_wall: datetime | None = None  # the fault's start on the wall clock (the database's time stamps)
    detail: str = ""
    first_success: float | None = None  # the first success after the fault's end
    drained: float | None = None  # the backlog present at the fault's end, all done
    backlog: int = 0  # how many inbox rows and outbox items that backlog held

    def recovery(self) -> tuple[float | None, float | None]:
        """Seconds from the fault's end to the first success, and to the backlog drained (None: never seen)."""
        if not self.fault_end:
            return None, None
        first = None if self.first_success is None else max(0.0, self.first_success - self.fault_end)
        drained = None if self.drained is None else max(0.0, self.drained - self.fault_end)
        return first, drained


@dataclass
class Conversation:
    """One session an engineer ran (or a copilot session), and what they expect to see in it."""

    platform: str  # slack, teams, pilot
    key: str  # where its messages land: Slack channel, Teams conversation id
    phase: str
    ticket: int = 0
    thread: str = ""
    started: bool = False  # the start (or ``/rf pilot``) was acknowledged: the session is due
    clicks: int = 0  # accepted clicks that must each bring the next step
    causes: list[tuple[str, float]] = field(default_factory=list)  # (inbox dedupe key prefix, when) of the start and
    # of each accepted click: the event whose replies post step n + 1 (causes[n]) and edit step n (causes[n])
    resolved: bool = False  # the resolve form was accepted: two notes are due on the ticket
    resolved_at: float = 0.0
    turns: int = 0  # accepted copilot requests that must each get one answer
    stalled: str = ""  # what the engineer gave up waiting for (the final checks decide whether it was lost)


@dataclass
class Counts:
    """Requests as the platforms saw them."""

    accepted: int = 0  # logical requests answered 2xx (a redelivery of one is not counted again)
    redelivered: int = 0  # extra deliveries after a 5xx or a dropped connection (the platform's own retry)
    refused: int = 0  # requests given up after every redelivery failed (never acknowledged: nothing to lose)
    retries: int = 0  # deliberate Slack retries / Teams redeliveries of an acknowledged request
    doubles: int = 0  # deliberate second clicks (a stale state that must not advance anything)


@dataclass
class Ledger:
    """The soak's record (one per run)."""

    phases: list[Phase] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)  # per phase name
    successes: list[tuple[float, str]] = field(default_factory=list)  # (when, what): steps, notes, model answers
    latencies: list[float] = field(default_factory=list)  # click -> the answered step edited, seconds
    started: float = field(default_factory=time.monotonic)

    def begin(self, name: str, detail: str = "") -> Phase:
        """Start a phase now."""
        phase = Phase(name, time.monotonic(), detail=detail)
        self.phases.append(phase)
        return phase

    def name_at(self, at: float) -> str:
        """The name of the phase running at ``at``."""
        return self.phase_at(at).name

    def blame(self, at: datetime) -> str:
        """The phase to charge for what went wrong with replies due at wall-clock time ``at`` (a database time
        stamp): the drill whose fault was on nearest to ``at``, within ``IN_FLIGHT`` (a reply in flight when the
        fault began, or delivered as it ended; the later drill when two are as near), else the phase running then."""
        best: tuple[timedelta, int] | None = None
        for n, phase in enumerate(self.phases):
            if phase.fault_start_wall is None or not phase.fault_end:
                continue
            end = phase.fault_start_wall + timedelta(seconds=phase.fault_end - phase.fault_start)
            gap = max(phase.fault_start_wall - at, at - end, timedelta(0))
            if gap <= IN_FLIGHT and (best is None or (gap, -n) <= (best[0], -best[1])):
                best = (gap, n)
        if best is not None:
            return self.phases[best[1]].name
        found = self.phases[0]
        for phase in self.phases:
            if phase.start_wall <= at:
                found = phase
        return found.name

    def phase_at(self, at: float) -> Phase:
        """The phase running at ``at``."""
        found = self.phases[0]
        for phase in self.phases:
            if phase.start <= at:
                found = phase
        return found

    @property
    def phase(self) -> Phase:
        """The phase running now."""
        return self.phase_at(time.monotonic())

    def count(self, at: float | None = None) -> Counts:
        """The counters of the phase running at ``at`` (default now)."""
        name = self.phase_at(time.monotonic() if at is None else at).name
        return self.counts.setdefault(name, Counts())

    def open(self, platform: str, key: str, ticket: int = 0) -> Conversation:
        """Record a new session an engineer is starting."""
        record = Conversation(platform, key, self.phase.name, ticket)
        self.conversations.append(record)
        return record

    def success(self, what: str, at: float | None = None) -> None:
        """Something worked: a step arrived, a note landed, the model answered."""
        self.successes.append((time.monotonic() if at is None else at, what))

    def first_success_after(self, at: float, kinds: tuple[str, ...] = ()) -> float | None:
        """The first success of one of ``kinds`` (any when empty) at or after ``at``."""
        times = [t for t, what in self.successes if t >= at and (not kinds or what in kinds)]
        return min(times) if times else None

"""The neutral input of every note renderer: what happened in one session, in reading order.

The engine builds a ``SessionDocument`` from a session and its timeline; ``bot.notes.render`` turns it into
Markdown, plain text or HTML. Nothing here knows about chat platforms or the PSA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    """Kinds of line in the steps section of a note."""

    STEP = "step"  # a flow step and the engineer's answer
    NOTE = "note"  # a free-text note the engineer added
    CUSTOM = "custom"  # a custom step added during the run, shown as [CUSTOM]
    BACK = "back"  # the engineer went back to an earlier step
    EVENT = "event"  # paused, resumed, ticket linked, ...


@dataclass(frozen=True, slots=True)
class DocEntry:
    """One timestamped line of the steps section."""

    at: datetime
    kind: EntryKind
    title: str
    answer: str = ""
    actor: str = ""
    detail: str = ""
    target: str = ""  # maintenance runs: the target this step was run on


@dataclass(frozen=True, slots=True)
class SessionDocument:
    """Everything a ticket note says about one session."""

    flow_name: str
    engineer: str
    started_at: datetime
    ended_at: datetime
    status: str  # active | paused | resolved | escalated | abandoned
    flow_key: str = ""
    flow_version: int = 0
    ticket: str = ""  # "12345" (rendered as #12345), empty when none is linked
    ticket_summary: str = ""
    problem: str = ""
    facts: tuple[str, ...] = ()
    entries: tuple[DocEntry, ...] = ()
    resolution: str = ""
    followups: tuple[str, ...] = ()
    variables: dict[str, str] = field(default_factory=dict)
    progress: str = ""  # maintenance: "3/4 targets complete"

    @property
    def hours(self) -> float:
        """Time spent in decimal hours, rounded up to the next quarter hour (0.25 minimum)."""
        seconds = max(0.0, (self.ended_at - self.started_at).total_seconds())
        quarters = max(1, -(-int(seconds) // 900))
        return quarters / 4

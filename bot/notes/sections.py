"""What a note says, independent of format: a header and titled sections of items.

``build`` is the only place that reads a ``SessionDocument``. Every piece of user text passes through the
given ``Redactor`` here, before any format escapes or wraps it, so escaping can never hide a secret from
redaction and wrapping can never split one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.notes import texts
from bot.notes.document import DocEntry, EntryKind, SessionDocument
from bot.notes.redact import Redactor


@dataclass(frozen=True, slots=True)
class Header:
    """The one-line header; every field is display text."""

    flow: str
    ticket: str  # "#12345" or "no ticket"
    engineer: str
    date: str  # YYYY-MM-DD (UTC)
    hours: str  # "0.25 hrs"
    status: str

    def fields(self) -> list[str]:
        """Every field after the flow name, labelled: ``Ticket: #12345``, ``Engineer: ...``, ..."""
        return [
            f"{texts.TICKET}: {self.ticket}",
            f"{texts.ENGINEER}: {self.engineer}",
            f"{texts.DATE}: {self.date}",
            f"{texts.TIME_SPENT}: {self.hours}",
            f"{texts.STATUS}: {self.status}",
        ]

    def line(self) -> str:
        """``Flow | Ticket: #12345 | Engineer: ... | Date: ... | Time: 0.25 hrs | Status: ...``."""
        return " | ".join([self.flow, *self.fields()])


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a section: an optional time and label, the text, an inline answer, and indented details."""

    text: str
    time: str = ""  # "14:05" (UTC), empty when timestamps are off
    stamp: str = ""  # ISO 8601, for HTML <time datetime>
    label: str = ""  # "[CUSTOM]", "Note:", "Went back to:"
    target: str = ""  # maintenance: the target the step ran on
    answer: str = ""
    actor: str = ""  # shown only when someone other than the session's engineer acted
    details: tuple[str, ...] = ()
    kind: str = ""  # the EntryKind value, for styling


@dataclass(frozen=True, slots=True)
class Section:
    """A titled section holding prose, items, or (when both are empty) the ``empty`` wording."""

    key: str
    title: str
    prose: str = ""
    items: tuple[Item, ...] = ()
    empty: str = ""


@dataclass(frozen=True, slots=True)
class NoteContent:
    """The header and sections of one note, in reading order."""

    header: Header
    sections: tuple[Section, ...]


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive datetime is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _header(doc: SessionDocument, scrub: Redactor) -> Header:
    return Header(
        flow=scrub(doc.flow_name.strip()) or texts.UNNAMED_FLOW,
        ticket=f"#{scrub(doc.ticket.lstrip('#'))}" if doc.ticket else texts.NO_TICKET,
        engineer=scrub(doc.engineer.strip()) or texts.UNKNOWN_ENGINEER,
        date=f"{utc(doc.started_at):%Y-%m-%d}",
        hours=texts.HOURS.format(hours=doc.hours),
        status=scrub(doc.status.strip()) or texts.UNKNOWN_STATUS,
    )


def _entry(entry: DocEntry, doc: SessionDocument, timestamps: bool, scrub: Redactor) -> Item:
    at = utc(entry.at)
    label = {EntryKind.CUSTOM: texts.CUSTOM, EntryKind.NOTE: texts.NOTE, EntryKind.BACK: texts.WENT_BACK}
    text, answer = entry.title, entry.answer
    if entry.kind is EntryKind.NOTE:  # a note's words are its answer; its title (if any) adds nothing
        text, answer = entry.answer or entry.title, ""
    return Item(
        text=scrub(text),
        time=f"{at:%H:%M}" if timestamps else "",
        stamp=at.isoformat() if timestamps else "",
        label=label.get(entry.kind, ""),
        target=scrub(entry.target),
        answer=scrub.answer(entry.title, answer),
        actor=scrub(entry.actor) if entry.actor and entry.actor != doc.engineer else "",
        details=tuple(scrub(line) for line in entry.detail.splitlines() if line.strip()),
        kind=entry.kind.value,
    )


def _resolution(doc: SessionDocument, scrub: Redactor) -> str:
    status = doc.status.lower()
    said = scrub(doc.resolution.strip())
    if status.startswith("resolved"):
        return said or texts.RESOLVED_NO_SUMMARY
    if status == "abandoned":
        return f"{texts.ABANDONED} {texts.ABANDONED_REASON.format(reason=said)}" if said else texts.ABANDONED
    if status == "escalated":
        return f"{texts.ESCALATED} {said}" if said else texts.ESCALATED
    return texts.IN_PROGRESS


def build(doc: SessionDocument, scrub: Redactor, *, timestamps: bool = True) -> NoteContent:
    """The header and every section of the session documentation, with user text already redacted."""
    problem = doc.problem.strip() or doc.ticket_summary.strip()
    parts = [Section("problem", texts.PROBLEM, prose=scrub(problem), empty=texts.NO_PROBLEM)]
    if doc.variables:
        items = tuple(Item(f"{scrub(k)}: {scrub(v)}") for k, v in doc.variables.items())
        parts.append(Section("variables", texts.VARIABLES, items=items))
    facts = tuple(Item(scrub(fact)) for fact in doc.facts if fact.strip())
    parts.append(Section("facts", texts.WHAT_WE_KNOW, items=facts, empty=texts.NOTHING_CONFIRMED))
    steps = tuple(_entry(e, doc, timestamps, scrub) for e in doc.entries)
    parts.append(Section("steps", texts.STEPS, items=steps, empty=texts.NO_STEPS))
    if doc.progress.strip():
        parts.append(Section("progress", texts.PROGRESS, prose=scrub(doc.progress.strip())))
    parts.append(Section("resolution", texts.RESOLUTION, prose=_resolution(doc, scrub)))
    followups = tuple(Item(scrub(f)) for f in doc.followups if f.strip())
    parts.append(Section("followups", texts.FOLLOW_UP, items=followups, empty=texts.NO_FOLLOW_UP))
    return NoteContent(_header(doc, scrub), tuple(parts))

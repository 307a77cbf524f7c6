"""The content of a note, independent of format: a header line and titled sections of items."""

from __future__ import annotations

from dataclasses import dataclass

from bot.notes import texts
from bot.notes.document import DocEntry, EntryKind, SessionDocument


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a section: optional time, lead text, an inline answer, and sub-lines."""

    text: str
    time: str = ""
    answer: str = ""
    detail: str = ""
    target: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled section: paragraphs (``prose``) or a list of items."""

    title: str
    prose: str = ""
    items: tuple[Item, ...] = ()
    empty: str = ""


def header_line(doc: SessionDocument) -> str:
    """Flow | Ticket | Engineer | Date | Time spent | Status — the one-line header."""
    ticket = f"#{doc.ticket}" if doc.ticket else texts.NO_TICKET
    return " | ".join(
        [
            doc.flow_name,
            f"Ticket {ticket}",
            f"Engineer: {doc.engineer}",
            f"Date: {doc.started_at:%Y-%m-%d}",
            f"Time: {doc.hours:.2f} hrs",
            f"Status: {doc.status}",
        ]
    )


def _entry(entry: DocEntry, timestamps: bool) -> Item:
    time = f"{entry.at:%H:%M}" if timestamps else ""
    if entry.kind is EntryKind.NOTE:
        return Item(f"{texts.NOTE_PREFIX}: {entry.answer}", time, target=entry.target)
    if entry.kind is EntryKind.BACK:
        return Item(f"{texts.BACK_PREFIX}: {entry.title}", time, target=entry.target)
    title = f"{texts.CUSTOM} {entry.title}" if entry.kind is EntryKind.CUSTOM else entry.title
    return Item(title, time, entry.answer, entry.detail, entry.target)


def _resolution(doc: SessionDocument) -> str:
    if doc.status == "resolved":
        return doc.resolution or texts.RESOLVED_NO_SUMMARY
    if doc.status == "abandoned":
        return texts.ABANDONED + (f" {doc.resolution}" if doc.resolution else "")
    if doc.status == "escalated":
        return texts.ESCALATED
    return texts.IN_PROGRESS


def sections(doc: SessionDocument, timestamps: bool = True) -> list[Section]:
    """Every section of the session documentation, in order."""
    out = [Section(texts.PROBLEM, prose=doc.problem or doc.ticket_summary or texts.NO_PROBLEM)]
    if doc.variables:
        out.append(Section(texts.DETAILS, items=tuple(Item(f"{k}: {v}") for k, v in doc.variables.items())))
    out.append(Section(texts.WHAT_WE_KNOW, items=tuple(Item(f) for f in doc.facts), empty=texts.NOTHING_CONFIRMED))
    out.append(Section(texts.STEPS, items=tuple(_entry(e, timestamps) for e in doc.entries), empty=texts.NO_STEPS))
    if doc.progress:
        out.append(Section(texts.PROGRESS, prose=doc.progress))
    out.append(Section(texts.RESOLUTION, prose=_resolution(doc)))
    out.append(Section(texts.FOLLOW_UP, items=tuple(Item(f) for f in doc.followups), empty=texts.NONE))
    return out

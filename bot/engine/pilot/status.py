"""Status updates on demand (domain §6): ticket note, client update, e-mail draft or request info, quick or detailed.

Asked for with `update <kind> [detailed]` or from the task lane's "Status update" menu; either way the model runs in
the worker (``PilotJob.STATUS``) and its draft replaces the "thinking" placeholder under ``status_ref``.

Each request is kept as a ``DocumentPreview`` of kind ``status:<seq>:<kind>:<depth>`` (``seq`` is the session's
``state_version`` when asked): written empty with the request, so the same request at the same state is drafted
once; filled by the worker with the draft; and, for a ticket note, marked when "Post to ticket" queues it, so it
goes to the ticket once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.engine.copilot import StatusKind
from bot.engine.events import ActionId
from bot.engine.model import Session
from bot.engine.pilot import texts as t
from bot.engine.pilot.records import DocumentPreview
from bot.engine.ports import UnitOfWork
from bot.engine.replies import Block, Button, Buttons, Code, Context, Select, SelectOption, Style, Text, View
from bot.engine.views import hhmm

QUICK, DETAILED = "quick", "detailed"
DEPTHS = (QUICK, DETAILED)
KIND_LABELS = {
    StatusKind.TICKET_NOTES: "Ticket note",
    StatusKind.CLIENT_UPDATE: "Client update",
    StatusKind.EMAIL_DRAFT: "E-mail draft",
    StatusKind.REQUEST_INFO: "Request info",
}
RECORD_PREFIX = "status:"
DEGRADED_TIER = "degraded"


@dataclass(frozen=True, slots=True)
class StatusChoice:
    """One of the eight status updates: a kind and a depth."""

    kind: StatusKind
    detailed: bool = False

    @property
    def depth(self) -> str:
        """``quick`` or ``detailed``."""
        return DETAILED if self.detailed else QUICK

    @property
    def arg(self) -> str:
        """The choice as it travels in a menu option and a ``PilotWork``: ``<kind>:<depth>``."""
        return f"{self.kind.value}:{self.depth}"

    @property
    def label(self) -> str:
        """What the engineer reads, e.g. "Client update — detailed"."""
        return f"{KIND_LABELS[self.kind]} — {self.depth}"

    @classmethod
    def parse(cls, value: str) -> StatusChoice | None:
        """The choice in ``<kind>:<depth>``, or None for anything else (a forged or outdated value)."""
        kind, sep, depth = value.partition(":")
        if not sep or depth not in DEPTHS or kind not in {k.value for k in StatusKind}:
            return None
        return cls(StatusKind(kind), depth == DETAILED)


CHOICES = tuple(StatusChoice(kind, depth == DETAILED) for kind in KIND_LABELS for depth in DEPTHS)


def menu(session: Session) -> Select:
    """The task lane's "Status update" menu: every kind, quick and detailed."""
    options = tuple(SelectOption(c.label, c.arg) for c in CHOICES)
    return Select(t.STATUS_MENU, ActionId.STATUS_UPDATE, options, session.id, session.state_version)


def status_ref(session_id: str, seq: int, choice: StatusChoice) -> str:
    """The message ref of one status update (its placeholder, then its draft)."""
    return f"{session_id}:status:{seq}:{choice.arg}"


def record_kind(seq: int, choice: StatusChoice) -> str:
    """The kind under which a request and its draft are kept."""
    return f"{RECORD_PREFIX}{seq}:{choice.arg}"


def post_value(seq: int, choice: StatusChoice) -> str:
    """The value of a "Post to ticket" button: ``<seq>:<depth>`` (the kind is always the ticket note)."""
    return f"{seq}:{choice.depth}"


def parse_post_value(value: str) -> tuple[int, StatusChoice] | None:
    """Inverse of ``post_value``; None for anything else."""
    seq, sep, depth = value.partition(":")
    if not sep or not seq.isdigit() or len(seq) > 12 or depth not in DEPTHS:
        return None
    return int(seq), StatusChoice(StatusKind.TICKET_NOTES, depth == DETAILED)


def requested(team_id: str, session: Session, choice: StatusChoice, now: datetime, who: str) -> DocumentPreview:
    """The record of a request, before the worker has drafted it."""
    seq = session.state_version
    return DocumentPreview(team_id, session.id, record_kind(seq, choice), seq, [], now, {"requested_by": who})


def drafted(record: DocumentPreview, choice: StatusChoice, text: str, tier: str) -> None:
    """Keep the worker's draft (``tier``: the copilot's mode, or ``degraded`` when offline answered for Claude)."""
    record.sections, record.tier = [(choice.label, text.strip())], tier


async def keep_draft(
    uow: UnitOfWork, session: Session, seq: int, choice: StatusChoice, text: str, tier: str, now: datetime
) -> View:
    """Store the worker's draft with its request (in ``uow``; the caller commits) and return the view that replaces
    the "thinking" placeholder."""
    kind = record_kind(seq, choice)
    record = await uow.pilot.preview(session.team_id, session.id, kind)
    if record is None:  # asked before requests were recorded
        record = DocumentPreview(session.team_id, session.id, kind, seq, [], now)
    drafted(record, choice, text, tier)
    await uow.pilot.put_preview(record)
    return draft_view(session, seq, choice, record)


def draft_text(record: DocumentPreview) -> str:
    """The drafted text ("" while it is still being written)."""
    return record.sections[0][1] if record.sections else ""


def mark_posted(record: DocumentPreview, who: str, at: datetime, ticket: str, outbox_id: str) -> None:
    """Remember that the note was queued for the ticket (so it is never queued again)."""
    record.assessment = {
        **record.assessment,
        "posted": {"by": who, "at": at.isoformat(), "ticket": ticket, "outbox_id": outbox_id},
    }


def posted(record: DocumentPreview) -> dict[str, Any] | None:
    """Who queued the note, when and for which ticket; None if it was not posted."""
    value = record.assessment.get("posted")
    return value if isinstance(value, dict) else None


def posted_line(info: dict[str, Any], line: str) -> str:
    """``line`` (a text with ``number``, ``who`` and ``time``) filled from ``posted`` info."""
    at = info.get("at")
    when = hhmm(datetime.fromisoformat(at)) if isinstance(at, str) and at else ""
    return line.format(number=info.get("ticket", "?"), who=info.get("by", "someone"), time=when)


def placeholder(choice: StatusChoice) -> View:
    """Shown at once while the model writes (the same "thinking" line as the command always showed)."""
    return View((Text(t.THINKING), Context(t.STATUS_DRAFTING.format(label=choice.label))), t.THINKING)


def draft_view(session: Session, seq: int, choice: StatusChoice, record: DocumentPreview) -> View:
    """The draft in a code block (copied exactly as written), with "Post to ticket" for a ticket note when a ticket
    is linked and the note has not been sent yet; the other kinds say they are drafts to copy."""
    text = draft_text(record)
    who = "offline" if record.tier in ("offline", DEGRADED_TIER) else ""
    head = " · ".join(x for x in ("🧭 FlowPilot", choice.label, who) if x)
    blocks: list[Block] = [Context(head)]
    if record.tier == DEGRADED_TIER:
        blocks.append(Context(f"⚠️ {t.DEGRADED}"))
    blocks.append(Code(text or "—"))
    if choice.kind is not StatusKind.TICKET_NOTES:
        blocks.append(Context(t.STATUS_DRAFT_HINT))
    elif (info := posted(record)) is not None:
        blocks.append(Context(posted_line(info, t.STATUS_NOTE_QUEUED)))
    elif session.ticket is None or not text:
        blocks.append(Context(t.STATUS_NOTE_UNLINKED))
    else:
        number = session.ticket.number
        blocks.append(Context(t.STATUS_NOTE_HINT.format(number=number)))
        post = Button(
            f"Post to ticket #{number}"[:75],
            ActionId.POST_STATUS_NOTE,
            session.id,
            session.state_version,
            post_value(seq, choice),
            Style.PRIMARY,
        )
        blocks.append(Buttons((post,)))
    return View(tuple(blocks), f"{choice.label}: {text[:120]}")

"""The PSA port: what the engine and the delivery worker need from a ticketing system, in neutral terms.

ConnectWise Manage is the implementation (``bot.psa.connectwise``); Autotask or HaloPSA would be siblings speaking
the same types. Ticket and member ids are the PSA's own numbers. Errors are ``PsaError`` subclasses whose
``message`` is written for the engineer ("ConnectWise rejected the API keys for company acme") and whose
``retryable`` says whether trying again later can help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class NoteKind(StrEnum):
    """Where a note shows on the ticket."""

    DETAIL = "detail"  # the ticket's discussion, customer-visible
    INTERNAL = "internal"  # internal analysis, staff only
    RESOLUTION = "resolution"  # the resolution, customer-visible


@dataclass(frozen=True, slots=True)
class PsaNote:
    """A note on a ticket."""

    id: int
    text: str
    kind: NoteKind = NoteKind.DETAIL
    author: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PsaTicket:
    """The ticket context a session shows and seeds its problem statement from."""

    id: int
    summary: str
    company: str = ""
    contact: str = ""
    contact_email: str = ""
    board: str = ""
    board_id: int | None = None
    status: str = ""
    status_id: int | None = None
    priority: str = ""
    closed: bool = False
    recent_notes: tuple[PsaNote, ...] = ()


@dataclass(frozen=True, slots=True)
class PsaMember:
    """A PSA user (technician) a chat user can be mapped to."""

    id: int
    identifier: str
    name: str = ""
    email: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class MemberLink:
    """A user of ours and the PSA member they are; ``source`` is "auto" (matched by e-mail) or "manual"."""

    user_id: str
    member_id: int
    identifier: str
    name: str = ""
    email: str = ""
    source: str = "auto"


@dataclass(frozen=True, slots=True)
class NewNote:
    """A note to add. ``marker`` is a short unique token placed in the text so a retry after an ambiguous failure
    can find out whether the note already landed (``find_note``)."""

    text: str
    kind: NoteKind
    marker: str = ""
    member_id: int | None = None
    notify: bool = False  # let the PSA's workflow e-mails fire


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket to open on a board (by name): its summary, and a description that becomes its first note. ``marker``
    is placed at the end of the description like a note's (so the ticket can be recognised later)."""

    board: str
    summary: str
    description: str
    marker: str = ""
    company: str = ""  # the company's identifier ("" = the PSA's default for the board, where it has one)


@dataclass(frozen=True, slots=True)
class NewTimeEntry:
    """Time worked on a ticket, in decimal hours, for a member."""

    ticket_id: int
    member_id: int
    started_at: datetime
    hours: float
    notes: str = ""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of ``rfbot psa check``: what was tried and whether it worked."""

    what: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PsaCredentials:
    """A team's connection to its PSA (secrets in plaintext only in memory; stored encrypted)."""

    provider: str  # "connectwise"
    site_url: str
    company_id: str
    public_key: str = field(repr=False)
    private_key: str = field(repr=False)
    client_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class PsaError(Exception):
    """A PSA call failed. ``message`` is for the engineer; ``retryable`` if a later attempt may succeed."""

    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PsaAuthError(PsaError):
    """The PSA rejected the credentials (401)."""


class PsaForbiddenError(PsaError):
    """The credentials work but lack a permission (403)."""


class PsaNotFoundError(PsaError):
    """No such ticket, member or route (404)."""


class PsaRejectedError(PsaError):
    """The PSA refused the request as invalid (400/409/422)."""


class PsaUnavailableError(PsaError):
    """Throttled, down, or timed out (429/5xx, network): try again later. ``ambiguous`` when the request may have
    been applied (the connection failed after it was sent)."""

    retryable = True

    def __init__(self, message: str, *, ambiguous: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.retry_after = retry_after


class Psa(Protocol):
    """One team's PSA."""

    async def get_ticket(self, ticket_id: int, recent_notes: int = 5) -> PsaTicket:
        """The ticket with its newest notes; ``PsaNotFoundError`` if there is none."""
        ...

    async def find_member(self, email: str) -> PsaMember | None:
        """The active member with this e-mail address, if any."""
        ...

    async def list_members(self) -> list[PsaMember]:
        """Every active member (all pages)."""
        ...

    async def add_note(self, ticket_id: int, note: NewNote) -> PsaNote:
        """Add a note; returns it with its id."""
        ...

    async def create_ticket(self, ticket: NewTicket) -> PsaTicket:
        """Open a ticket on ``ticket.board``; returns it with its id. Not repeated after a lost answer."""
        ...

    async def find_note(self, ticket_id: int, marker: str) -> PsaNote | None:
        """The ticket's note whose text contains ``marker``, if any (all pages, newest first)."""
        ...

    async def update_status(self, ticket_id: int, status_id: int) -> PsaTicket:
        """Change the ticket's status and return the ticket as read back afterwards."""
        ...

    async def add_time_entry(self, entry: NewTimeEntry) -> int:
        """Record time on a ticket; returns the time entry id."""
        ...

    async def check(self) -> list[CheckResult]:
        """Try the connection (credentials, ticket and member access) and say what works."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class PsaDirectory(Protocol):
    """Which PSA a team is connected to (built by the composition root from the stored, encrypted credentials)."""

    async def for_team(self, team_id: str) -> Psa | None:
        """The team's PSA, or None when the team has not connected one."""
        ...

    def name_for(self, team_id: str) -> str:
        """The PSA's product name for messages ("ConnectWise")."""
        ...

    def can_store(self) -> bool:
        """Whether connections can be stored here (credentials need an encryption key)."""
        ...

    async def describe(self, team_id: str) -> str:
        """One line on the team's connection, without secrets ("ConnectWise company acme at https://…")."""
        ...

    async def connect(self, team_id: str, credentials: PsaCredentials) -> list[CheckResult]:
        """Try the connection and store it only if every check passes. Key values may arrive sealed (encrypted by
        the intake so that no plaintext key is ever written to the inbox); they are opened here."""
        ...

    async def disconnect(self, team_id: str) -> bool:
        """Forget the team's stored connection; False if it had none."""
        ...

    async def member_links(self, team_id: str) -> dict[str, MemberLink]:
        """The team's users mapped to PSA members, by user id."""
        ...

    async def save_member_link(self, team_id: str, link: MemberLink) -> None:
        """Map (or re-map) a user to a PSA member."""
        ...

    async def drop_member_link(self, team_id: str, user_id: str) -> bool:
        """Unmap a user; False if they were not mapped."""
        ...

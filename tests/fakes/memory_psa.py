"""An in-memory fake of our own PSA port (``bot.engine.psa``) for engine unit tests; the real ConnectWise client is
tested over HTTP against ``tests/fakes/connectwise_api.py``."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from bot.engine.psa import (
    CheckResult,
    MemberLink,
    NewNote,
    NewTicket,
    NewTimeEntry,
    NoteKind,
    Psa,
    PsaCredentials,
    PsaError,
    PsaMember,
    PsaNote,
    PsaNotFoundError,
    PsaTicket,
    PsaUnavailableError,
)


@dataclass
class MemoryPsa:
    """Tickets, notes and members in dicts; ``fail_with`` makes every call raise that error."""

    tickets: dict[int, PsaTicket] = field(default_factory=dict)
    notes: dict[int, list[PsaNote]] = field(default_factory=dict)
    members: list[PsaMember] = field(default_factory=list)
    time_entries: list[NewTimeEntry] = field(default_factory=list)
    fail_with: PsaError | None = None
    lose_replies: int = 0  # the next N notes are stored, then the answer is lost (an ambiguous failure)
    lose_time_reply: bool = False  # the next time entry is stored, then the answer is lost
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(9001))

    def _check_fault(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    async def get_ticket(self, ticket_id: int, recent_notes: int = 5) -> PsaTicket:
        self._check_fault()
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise PsaNotFoundError(f"Ticket #{ticket_id} not found in ConnectWise.")
        newest = tuple(reversed(self.notes.get(ticket_id, [])))[:recent_notes]
        return replace(ticket, recent_notes=newest)

    async def find_member(self, email: str) -> PsaMember | None:
        self._check_fault()
        return next((m for m in self.members if m.email.lower() == email.lower() and m.active), None)

    async def list_members(self) -> list[PsaMember]:
        self._check_fault()
        return [m for m in self.members if m.active]

    async def add_note(self, ticket_id: int, note: NewNote) -> PsaNote:
        self._check_fault()
        if ticket_id not in self.tickets:
            raise PsaNotFoundError(f"Ticket #{ticket_id} not found in ConnectWise.")
        text = f"{note.text}\n[rf:{note.marker}]" if note.marker else note.text
        stored = PsaNote(next(self._ids), text, note.kind, author=str(note.member_id or ""))
        self.notes.setdefault(ticket_id, []).append(stored)
        if self.lose_replies > 0:
            self.lose_replies -= 1
            raise PsaUnavailableError("ConnectWise did not answer in time", ambiguous=True)
        return stored

    async def create_ticket(self, ticket: NewTicket) -> PsaTicket:
        self._check_fault()
        created = PsaTicket(next(self._ids), ticket.summary[:100], board=ticket.board)
        self.tickets[created.id] = created
        text = f"{ticket.description}\n[rf:{ticket.marker}]" if ticket.marker else ticket.description
        self.notes.setdefault(created.id, []).append(PsaNote(next(self._ids), text, NoteKind.DETAIL))
        return created

    async def find_note(self, ticket_id: int, marker: str) -> PsaNote | None:
        self._check_fault()
        return next((n for n in self.notes.get(ticket_id, []) if f"[rf:{marker}]" in n.text), None)

    async def update_status(self, ticket_id: int, status_id: int) -> PsaTicket:
        self._check_fault()
        ticket = replace(self.tickets[ticket_id], status_id=status_id)
        self.tickets[ticket_id] = ticket
        return ticket

    async def add_time_entry(self, entry: NewTimeEntry) -> int:
        self._check_fault()
        self.time_entries.append(entry)
        if self.lose_time_reply:
            self.lose_time_reply = False
            raise PsaUnavailableError("ConnectWise did not answer in time", ambiguous=True)
        return len(self.time_entries)

    async def check(self) -> list[CheckResult]:
        return [CheckResult("credentials", self.fail_with is None)]

    async def close(self) -> None:
        return None


@dataclass
class MemoryPsaDirectory:
    """Team id -> ``MemoryPsa``; ``connect`` keeps credentials whose keys are "good" (no real check)."""

    by_team: dict[str, Psa] = field(default_factory=dict)
    stored: dict[str, PsaCredentials] = field(default_factory=dict)
    links: dict[str, dict[str, MemberLink]] = field(default_factory=dict)
    storable: bool = True

    async def for_team(self, team_id: str) -> Psa | None:
        return self.by_team.get(team_id)

    def name_for(self, team_id: str) -> str:
        return "ConnectWise"

    def can_store(self) -> bool:
        return self.storable

    async def describe(self, team_id: str) -> str:
        found = self.stored.get(team_id)
        return f"ConnectWise company {found.company_id}" if found else "not connected"

    async def connect(self, team_id: str, credentials: PsaCredentials) -> list[CheckResult]:
        ok = credentials.private_key.endswith("good")
        if ok:
            self.stored[team_id] = credentials
            self.by_team[team_id] = MemoryPsa()
        return [CheckResult("API keys accepted", ok, "" if ok else "ConnectWise rejected the API keys")]

    async def disconnect(self, team_id: str) -> bool:
        self.by_team.pop(team_id, None)
        return self.stored.pop(team_id, None) is not None

    async def member_links(self, team_id: str) -> dict[str, MemberLink]:
        return dict(self.links.get(team_id, {}))

    async def save_member_link(self, team_id: str, link: MemberLink) -> None:
        self.links.setdefault(team_id, {})[link.user_id] = link

    async def drop_member_link(self, team_id: str, user_id: str) -> bool:
        return self.links.get(team_id, {}).pop(user_id, None) is not None

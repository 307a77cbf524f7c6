"""``ConnectWiseClient``: the ``Psa`` port over the ConnectWise Manage REST API (3.0), one per connection.

Bodies and parsing come from ``wire``; retries, paging and error wording from ``rest``/``errors``. A note is posted
with its marker on the last line (``[rf:<marker>]``) so that, after an ambiguous failure, ``find_note`` can tell
whether it landed before the delivery worker posts it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import aclosing, contextmanager
from types import TracebackType
from typing import Self

import httpx

from bot.engine.psa import (
    CheckResult,
    NewNote,
    NewTicket,
    NewTimeEntry,
    PsaCredentials,
    PsaError,
    PsaForbiddenError,
    PsaMember,
    PsaNote,
    PsaRejectedError,
    PsaTicket,
)
from bot.psa.connectwise import errors, texts, wire
from bot.psa.connectwise.call import Call
from bot.psa.connectwise.rest import RestSession, Sleep


@contextmanager
def _reading(call: Call) -> Iterator[None]:
    """Turn an answer of the wrong shape into a ``PsaUnavailableError`` (ambiguous for a POST)."""
    try:
        yield
    except wire.WireError as err:
        raise errors.unreadable(call, err) from None


class ConnectWiseClient:
    """One company's ConnectWise Manage. ``site_url`` may be ``https://host``, ``host`` or ``host/`` (the API root
    is ``site_url + base_path``); ``sleep`` and ``transport`` are for tests. ``page_size`` (at most 1000) is used
    when reading every member or searching notes for a marker."""

    def __init__(
        self,
        credentials: PsaCredentials,
        *,
        base_path: str = wire.DEFAULT_BASE_PATH,
        timeout: float = 20.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_retry_after: float = 60.0,
        page_size: int = wire.MAX_PAGE_SIZE,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._rest = RestSession(
            credentials.site_url,
            wire.headers(credentials),
            company=credentials.company_id,
            base_path=base_path,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            max_retry_after=max_retry_after,
            sleep=sleep,
            transport=transport,
        )
        self._page_size = str(max(1, min(page_size, wire.MAX_PAGE_SIZE)))

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._rest.base_url

    async def get_ticket(self, ticket_id: int, recent_notes: int = 5) -> PsaTicket:
        """The ticket and its ``recent_notes`` newest notes (newest first)."""
        call = self._ticket_call("GET", ticket_id, texts.DOING_TICKET)
        data = await self._rest.json(call)
        notes: list[PsaNote] = []
        if recent_notes > 0:
            size = str(min(recent_notes, wire.MAX_PAGE_SIZE))
            notes_call = self._notes_call("GET", ticket_id, params={"orderBy": wire.NEWEST_FIRST, "pageSize": size})
            page = await self._rest.json(notes_call)
            with _reading(notes_call):
                notes = [wire.parse_note(item) for item in wire.parse_list(page, "notes")][:recent_notes]
        with _reading(call):
            return wire.parse_ticket(data, notes)

    async def find_member(self, email: str) -> PsaMember | None:
        """The active member whose primary (else office) e-mail is ``email``, compared case-insensitively."""
        email = email.strip()
        if not email or "\n" in email or "\r" in email:
            return None
        for field in wire.EMAIL_FIELDS:
            conditions = wire.active_member_with(field, email)
            params = {"conditions": conditions, "fields": wire.MEMBER_FIELDS, "pageSize": "25"}
            call = Call("GET", wire.MEMBERS, texts.DOING_MEMBERS, texts.AREA_MEMBERS, params=params)
            data = await self._rest.json(call)
            with _reading(call):
                for item in wire.parse_list(data, "members"):
                    if wire.email_matches(item, email) and (member := wire.parse_member(item)).active:
                        return member
        return None

    async def list_members(self) -> list[PsaMember]:
        """Every active member, across all pages, in id order."""
        params = {
            "conditions": wire.condition("inactiveFlag", False),
            "fields": wire.MEMBER_FIELDS,
            "orderBy": "id",
            "pageSize": self._page_size,
        }
        call = Call("GET", wire.MEMBERS, texts.DOING_MEMBERS, texts.AREA_MEMBERS, params=params)
        found: dict[int, PsaMember] = {}
        async with aclosing(self._rest.pages(call)) as pages:
            async for page in pages:
                with _reading(call):
                    for item in page:
                        member = wire.parse_member(item)
                        if member.active:
                            found.setdefault(member.id, member)
        return list(found.values())

    async def add_note(self, ticket_id: int, note: NewNote) -> PsaNote:
        """Post the note (marker on its last line); an answer lost after sending is ambiguous, never re-posted."""
        call = self._notes_call("POST", ticket_id, body=wire.note_body(note))
        data = await self._rest.json(call)
        with _reading(call):
            return wire.parse_note(data)

    async def create_ticket(self, ticket: NewTicket) -> PsaTicket:
        """Open a service ticket on a board (by name) with its description as the first note; an answer lost after
        sending is ambiguous, never re-sent."""
        doing = texts.DOING_NEW_TICKET.format(board=ticket.board)
        call = Call("POST", wire.TICKETS, doing, texts.AREA_TICKETS, body=wire.ticket_body(ticket))
        data = await self._rest.json(call)
        with _reading(call):
            return wire.parse_ticket(data)

    async def find_note(self, ticket_id: int, marker: str) -> PsaNote | None:
        """The newest note carrying ``marker``, searching every page newest first."""
        wire.marker_tag(marker)  # refuse an unsafe marker before any request
        params = {"orderBy": wire.NEWEST_FIRST, "pageSize": self._page_size}
        call = self._notes_call("GET", ticket_id, params=params)
        async with aclosing(self._rest.pages(call)) as pages:
            async for page in pages:
                with _reading(call):
                    for item in page:
                        note = wire.parse_note(item)
                        if wire.has_marker(note.text, marker):
                            return note
        return None

    async def update_status(self, ticket_id: int, status_id: int) -> PsaTicket:
        """PATCH the status (safe to repeat), then read the ticket back and insist the status took."""
        call = self._ticket_call("PATCH", ticket_id, texts.DOING_STATUS, body=wire.status_patch(status_id))
        await self._rest.send(call)
        after = await self.get_ticket(ticket_id, recent_notes=0)
        if after.status_id != status_id:
            raise PsaRejectedError(
                texts.STATUS_NOT_APPLIED.format(
                    ticket=ticket_id, status=after.status, actual=after.status_id, wanted=status_id
                )
            )
        return after

    async def add_time_entry(self, entry: NewTimeEntry) -> int:
        """Record time on a service ticket; returns the time entry id."""
        doing = texts.DOING_TIME.format(ticket=entry.ticket_id)
        call = Call("POST", wire.TIME_ENTRIES, doing, texts.AREA_TIME, body=wire.time_entry_body(entry))
        data = await self._rest.json(call)
        with _reading(call):
            return wire.parse_id(data, "time entry")

    async def check(self) -> list[CheckResult]:
        """Keys accepted (``/system/info``), tickets readable, members readable. When the keys (or the site) fail,
        the other two are reported as not tried."""
        info = Call("GET", wire.SYSTEM_INFO, texts.DOING_INFO, texts.AREA_SYSTEM)
        try:
            version = wire.system_version(await self._rest.json(info))
        except PsaError as err:
            first = CheckResult(texts.CHECK_KEYS, False, err.message)
            if not isinstance(err, PsaForbiddenError):
                return [first] + [CheckResult(w, False, texts.CHECK_SKIPPED) for w in self._checks()]
        else:
            first = CheckResult(texts.CHECK_KEYS, True, texts.CHECK_VERSION.format(version=version) if version else "")
        results = [first]
        for what, make in self._checks().items():
            try:
                await self._rest.json(make())
            except PsaError as err:
                results.append(CheckResult(what, False, err.message))
            else:
                results.append(CheckResult(what, True))
        return results

    def _checks(self) -> dict[str, Callable[[], Call]]:
        one = {"pageSize": "1", "fields": "id"}
        return {
            texts.CHECK_TICKETS: lambda: Call("GET", wire.TICKETS, texts.DOING_TICKETS, texts.AREA_TICKETS, one),
            texts.CHECK_MEMBERS: lambda: Call("GET", wire.MEMBERS, texts.DOING_MEMBERS, texts.AREA_MEMBERS, one),
        }

    def _ticket_call(self, method: str, ticket_id: int, doing: str, body: object = None) -> Call:
        missing = texts.TICKET_MISSING.format(ticket=ticket_id)
        return Call(
            method,
            wire.ticket_path(ticket_id),
            doing.format(ticket=ticket_id),
            texts.AREA_TICKETS,
            body=body,
            missing=missing,
            repeatable=method in ("GET", "PATCH"),  # PATCH here only ever replaces the status: idempotent
        )

    def _notes_call(
        self, method: str, ticket_id: int, params: dict[str, str] | None = None, body: object = None
    ) -> Call:
        doing = texts.DOING_ADD_NOTE if method == "POST" else texts.DOING_NOTES
        return Call(
            method,
            wire.notes_path(ticket_id),
            doing.format(ticket=ticket_id),
            texts.AREA_TICKETS,
            params=params,
            body=body,
            missing=texts.TICKET_MISSING.format(ticket=ticket_id),
        )

    async def close(self) -> None:
        """Release connections."""
        await self._rest.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"ConnectWiseClient(company={self._rest.company!r}, base_url={self._rest.base_url!r})"

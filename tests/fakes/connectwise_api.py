"""A loopback fake of the ConnectWise Manage REST API (3.0) under ``/v4_6_release/apis/3.0``.

Checks ``Authorization: Basic base64("{company}+{public}:{private}")`` and the ``clientId`` header (401 otherwise),
answers with realistic shapes (``_info`` blocks, 201 on create, ``{code, message, errors[]}`` on failure) and pages
lists with ``page``/``pageSize`` and a ``Link`` header. Routes: ``/system/info``; ``/service/tickets`` (list, GET,
JSON-Patch status/summary, POST a new ticket on a known board with its ``initialDescription`` as the first note);
``…/{id}/notes`` (GET paged + ``orderBy``, POST); ``…/{id}/allNotes``;
``/time/entries`` (POST); ``/system/members`` (list with ``conditions``/``fields``, GET by id).

Faults come from ``LoopbackFake`` (``fail_next``, ``delay_next``, ``reset_next``, ``stall_next``, ``outage``); here:
``forbid(path)`` answers 403 for a permission the API member lacks, ``sticky_status`` makes a PATCH of the status
silently not stick (a workflow rule setting it back).
"""

from __future__ import annotations

import base64
import itertools
from typing import Any, ClassVar

from aiohttp import web

from bot.engine.psa import PsaCredentials
from tests.fakes import connectwise_records as rec
from tests.fakes.http_fake import Handler, LoopbackFake

PREFIX = "/v4_6_release/apis/3.0"
FLAGS = ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag")
NOTE_FIELDS = (*FLAGS, "issueFlag", "customerUpdatedFlag", "processNotifications", "internalFlag", "externalFlag")
STATUSES = {1: "New", 2: "In Progress", 3: "Waiting on Customer", 5: "Resolved", 6: "Escalated", 7: "Closed"}


class FakeConnectWise(LoopbackFake):
    """One ConnectWise company with tickets, notes, time entries and members, reachable with one set of keys."""

    outage_body: ClassVar[Any] = rec.error("ServiceUnavailable", "The service is temporarily unavailable.")

    def __init__(
        self,
        company: str = "acme",
        public_key: str = "pub5QBrF9Eobsojj",
        private_key: str = "priv-gNfvfMdPxIAPOIvB",
        client_id: str = "3f6b1c2e-8d4a-4f7e-9b0c-5a1d2e3f4a5b",
    ) -> None:
        super().__init__()
        self.company, self.public_key, self.private_key, self.client_id = company, public_key, private_key, client_id
        self.tickets: dict[int, rec.Record] = {}
        self.notes: dict[int, list[rec.Record]] = {}
        self.time_entries: list[rec.Record] = []
        self.members: dict[int, rec.Record] = {}
        self.statuses = dict(STATUSES)
        self.forbidden: set[str] = set()
        self.sticky_status: set[int] = set()
        self.boards: set[str] = {"Service Desk", "Maintenance"}  # boards a new ticket may be opened on
        self.version = "v2025.1.10431"
        self._ids = itertools.count(70001)
        self.api_member = self.add_member(176, "RFBotAPI", "ResolutionFlow", "API", email="rfbot-api@acme.example")
        self.app.middlewares.append(self._guard)
        add, p = self.app.router.add_route, PREFIX
        add("GET", p + "/system/info", self._system_info)
        add("GET", p + "/service/tickets", self._list_tickets)
        add("POST", p + "/service/tickets", self._create_ticket)
        add("GET", p + "/service/tickets/{id:\\d+}", self._get_ticket)
        add("PATCH", p + "/service/tickets/{id:\\d+}", self._patch_ticket)
        add("GET", p + "/service/tickets/{id:\\d+}/notes", self._list_notes)
        add("POST", p + "/service/tickets/{id:\\d+}/notes", self._add_note)
        add("GET", p + "/service/tickets/{id:\\d+}/allNotes", self._all_notes)
        add("POST", p + "/time/entries", self._add_time_entry)
        add("GET", p + "/system/members", self._list_members)
        add("GET", p + "/system/members/{id:\\d+}", self._get_member)
        add("*", p + "/{tail:.*}", self._no_route)

    @property
    def api(self) -> str:
        """The API root URL (``base_url`` + prefix)."""
        return self.base_url + PREFIX

    def credentials(self, **changes: str) -> PsaCredentials:
        """Credentials the fake accepts (pointed at its base URL); ``changes`` override fields to make bad ones."""
        fields = {"site_url": self.base_url, "company_id": self.company, "public_key": self.public_key}
        fields |= {"private_key": self.private_key, "client_id": self.client_id} | changes
        return PsaCredentials(provider="connectwise", **fields)

    def add_ticket(
        self,
        ticket_id: int,
        summary: str,
        *,
        company: str = "Contoso Dental",
        contact: str = "Pat Quinn",
        contact_email: str = "pat.quinn@contoso.example",
        board: str = "Service Desk",
        status_id: int = 1,
        priority: str = "Priority 3 - Normal Response",
        closed: bool = False,
    ) -> rec.Record:
        """Create a service ticket."""
        about = {"company": company, "contact": contact, "contact_email": contact_email, "board": board}
        about |= {"priority": priority, "closed": closed}
        ticket = rec.ticket(self.api, ticket_id, summary, self._status_ref(status_id), **about)
        self.tickets[ticket_id] = ticket
        self.notes.setdefault(ticket_id, [])
        return ticket

    def add_member(
        self, member_id: int, identifier: str, first: str = "", last: str = "", *, email: str = "", office: str = "",
        inactive: bool = False,
    ) -> rec.Record:  # fmt: skip
        """Create a member (technician)."""
        about = {"email": email, "office": office, "inactive": inactive}
        member = rec.member(self.api, member_id, identifier, first, last, **about)
        self.members[member_id] = member
        return member

    def add_note_record(self, ticket_id: int, text: str, flag: str = "detailDescriptionFlag") -> rec.Record:
        """Put an existing note on a ticket (as if written in ConnectWise)."""
        return self._store_note(ticket_id, {"text": text, flag: True}, self.api_member)

    def notes_on(self, ticket_id: int) -> list[rec.Record]:
        """The ticket's notes, oldest first."""
        return list(self.notes.get(ticket_id, []))

    def forbid(self, path_suffix: str) -> None:
        """Answer 403 to every request whose path ends with ``path_suffix`` (a permission the role lacks)."""
        self.forbidden.add(path_suffix)

    def _expected_auth(self) -> str:
        raw = f"{self.company}+{self.public_key}:{self.private_key}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("Authorization") != self._expected_auth():
            return web.json_response(rec.error("Unauthorized", "Authentication failed."), status=401)
        if request.headers.get("clientId") != self.client_id:
            return web.json_response(rec.error("Unauthorized", "A valid clientId is required."), status=401)
        if any(request.path.endswith(s) for s in self.forbidden):
            message = "You do not have sufficient permissions to access this resource."
            return web.json_response(rec.error("NotAuthorized", message), status=403)
        return await handler(request)

    @staticmethod
    def _bad(message: str, *details: tuple[str, str, str]) -> web.Response:
        return web.json_response(rec.error("InvalidObject", message, *details), status=400)

    @staticmethod
    def _missing(what: str, ident: object) -> web.Response:
        return web.json_response(rec.error("NotFound", f"{what} ID {ident} was not found."), status=404)

    def _status_ref(self, status_id: int) -> rec.Record:
        path = f"/service/boards/1/statuses/{status_id}"
        return rec.ref(self.api, "status", path, id=status_id, name=self.statuses[status_id], Sort=status_id)

    def _member_ref(self, member: rec.Record) -> rec.Record:
        name = f"{member['firstName']} {member['lastName']}".strip() or member["identifier"]
        path = f"/system/members/{member['id']}"
        return rec.ref(self.api, "member", path, id=member["id"], identifier=member["identifier"], name=name)

    def _list(self, request: web.Request, records: list[rec.Record], default_order: str = "id") -> web.Response:
        query = request.query
        try:
            found = [r for r in records if rec.matches(r, rec.parse_conditions(query.get("conditions", "")))]
            page, headers = rec.paged(rec.ordered(found, query.get("orderBy", default_order)), dict(query), request.url)
        except ValueError as err:
            return self._bad(str(err))
        fields = query.get("fields", "")
        return web.json_response([rec.selected(r, fields) for r in page], headers=headers)

    def _ticket(self, request: web.Request) -> tuple[int, rec.Record | None]:
        ticket_id = int(request.match_info["id"])
        return ticket_id, self.tickets.get(ticket_id)

    @staticmethod
    async def _body(request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    def _store_note(self, ticket_id: int, body: rec.Record, member: rec.Record) -> rec.Record:
        note = {"id": next(self._ids), "ticketId": ticket_id, "text": body["text"]}
        note |= {f: body.get(f) is True for f in NOTE_FIELDS}
        note |= {"member": self._member_ref(member), "createdBy": self.api_member["identifier"]}
        note |= {"dateCreated": rec.now_text(), "_info": rec.info(self.api)}
        self.notes.setdefault(ticket_id, []).append(note)
        return note

    async def _system_info(self, request: web.Request) -> web.Response:
        body = {
            "version": self.version,
            "isCloud": True,
            "serverTimeZone": "Eastern Standard Time",
            "cloudRegion": "NA",
        }
        return web.json_response(body)

    async def _list_tickets(self, request: web.Request) -> web.Response:
        return self._list(request, list(self.tickets.values()))

    async def _create_ticket(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict) or not str(body.get("summary") or "").strip():
            return self._bad("ticket object is invalid", ("NullValue", "The summary field is required.", "summary"))
        board = body.get("board") if isinstance(body.get("board"), dict) else {}
        name = next((b for b in self.boards if b.casefold() == str(board.get("name", "")).casefold()), None)
        if name is None:
            return self._bad("ticket object is invalid", ("InvalidObject", "board object is invalid", "board"))
        ticket_id = next(self._ids)
        ticket = self.add_ticket(ticket_id, str(body["summary"])[:100], board=name)
        description = str(body.get("initialDescription") or "")
        if description.strip():
            self._store_note(ticket_id, {"text": description, "detailDescriptionFlag": True}, self.api_member)
        return web.json_response(ticket, status=201)

    async def _get_ticket(self, request: web.Request) -> web.Response:
        ticket_id, ticket = self._ticket(request)
        return web.json_response(ticket) if ticket else self._missing("Ticket", ticket_id)

    async def _patch_ticket(self, request: web.Request) -> web.Response:
        ticket_id, ticket = self._ticket(request)
        if ticket is None:
            return self._missing("Ticket", ticket_id)
        ops = await self._body(request)
        if not isinstance(ops, list) or not all(isinstance(op, dict) and op.get("op") == "replace" for op in ops):
            return self._bad("The request body must be a JSON Patch array of replace operations.")
        for op in ops:
            if op.get("path") == "summary" and isinstance(op.get("value"), str):
                ticket["summary"] = op["value"][:100]
            elif op.get("path") == "status" and isinstance(op.get("value"), dict):
                status_id = op["value"].get("id")
                if status_id not in self.statuses:
                    return self._bad(
                        "ticket object is invalid", ("InvalidObject", "status object is invalid", "status")
                    )
                if ticket_id not in self.sticky_status:
                    ticket["status"] = self._status_ref(status_id)
            else:
                return self._bad(f"Cannot patch path {op.get('path')!r}.")
        ticket["_info"]["lastUpdated"] = rec.now_text()
        return web.json_response(ticket)

    async def _list_notes(self, request: web.Request) -> web.Response:
        ticket_id, ticket = self._ticket(request)
        if ticket is None:
            return self._missing("Ticket", ticket_id)
        return self._list(request, self.notes[ticket_id])

    async def _add_note(self, request: web.Request) -> web.Response:
        ticket_id, ticket = self._ticket(request)
        if ticket is None:
            return self._missing("Ticket", ticket_id)
        body = await self._body(request)
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            return self._bad("serviceNote object is invalid", ("NullValue", "The text field is required.", "text"))
        if not any(body.get(flag) is True for flag in FLAGS):
            message = "At least one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true."
            return self._bad("serviceNote object is invalid", ("InvalidObject", message, "flags"))
        member = self.api_member
        if isinstance(body.get("member"), dict):
            member = self.members.get(body["member"].get("id"))
            if member is None:
                return self._bad(
                    "serviceNote object is invalid", ("InvalidObject", "member object is invalid", "member")
                )
        return web.json_response(self._store_note(ticket_id, body, member), status=201)

    async def _all_notes(self, request: web.Request) -> web.Response:
        ticket_id, ticket = self._ticket(request)
        if ticket is None:
            return self._missing("Ticket", ticket_id)
        summary = {"id": ticket_id, "summary": ticket["summary"]}
        rows = [
            {**n, "noteType": "TicketNote", "ticket": summary, "isMarkdownFlag": False} for n in self.notes[ticket_id]
        ]
        for entry in self.time_entries:
            if entry["chargeToId"] == ticket_id and entry.get("notes"):
                row = {"id": entry["id"], "noteType": "TimeEntryNote", "text": entry["notes"], "ticket": summary}
                rows.append(row | {"member": entry["member"], "timeStart": entry["timeStart"], "_info": entry["_info"]})
        return self._list(request, rows)

    async def _add_time_entry(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        problems = []
        if not isinstance(body, dict):
            return self._bad("timeEntry object is invalid")
        if body.get("chargeToType") != "ServiceTicket" or body.get("chargeToId") not in self.tickets:
            problems.append(("InvalidObject", "chargeToId must be an existing service ticket.", "chargeToId"))
        member = self.members.get((body.get("member") or {}).get("id"))
        if member is None:
            problems.append(("InvalidObject", "member object is invalid", "member"))
        if not body.get("timeStart"):
            problems.append(("NullValue", "The timeStart field is required.", "timeStart"))
        if problems or member is None:
            return self._bad("timeEntry object is invalid", *problems)
        entry = {**body, "id": next(self._ids), "member": self._member_ref(member), "status": "Open"}
        entry |= {"ticket": {"id": body["chargeToId"]}, "hoursBilled": body.get("actualHours", 0)}
        entry |= {
            "enteredBy": self.api_member["identifier"],
            "dateEntered": rec.now_text(),
            "_info": rec.info(self.api),
        }
        self.time_entries.append(entry)
        return web.json_response(entry, status=201)

    async def _list_members(self, request: web.Request) -> web.Response:
        return self._list(request, list(self.members.values()))

    async def _get_member(self, request: web.Request) -> web.Response:
        member_id = int(request.match_info["id"])
        member = self.members.get(member_id)
        return web.json_response(member) if member else self._missing("Member", member_id)

    async def _no_route(self, request: web.Request) -> web.Response:
        message = f"The requested resource {request.path} was not found."
        return web.json_response(rec.error("NotFound", message), status=404)

"""ConnectWise Manage on the wire — the only module that knows its field names and JSON shapes: paths, headers,
request bodies, ``conditions`` strings, ``Link`` paging, the note marker, and parsing answers into the neutral
``bot.engine.psa`` types. Pure (no I/O). Parsers are lenient about missing optional fields and raise ``WireError``
when an answer is not the shape ConnectWise documents (not an object, no numeric ``id``, not a list)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.engine.psa import (
    NewNote,
    NewTicket,
    NewTimeEntry,
    NoteKind,
    PsaCredentials,
    PsaMember,
    PsaNote,
    PsaTicket,
)

DEFAULT_BASE_PATH = "/v4_6_release/apis/3.0"
ACCEPT = "application/vnd.connectwise.com+json; version=2025.1"
MAX_PAGE_SIZE = 1000

SYSTEM_INFO = "/system/info"
TICKETS = "/service/tickets"
MEMBERS = "/system/members"
TIME_ENTRIES = "/time/entries"
NEWEST_FIRST = "id desc"
MEMBER_FIELDS = "id,identifier,firstName,lastName,primaryEmail,officeEmail,inactiveFlag"
EMAIL_FIELDS = ("primaryEmail", "officeEmail")  # looked up in this order

NOTE_FLAGS = {
    NoteKind.DETAIL: "detailDescriptionFlag",
    NoteKind.INTERNAL: "internalAnalysisFlag",
    NoteKind.RESOLUTION: "resolutionFlag",
}

ConditionValue = str | bool | int | float | datetime | None
_FIELD = re.compile(r"^[A-Za-z_]\w*(/[A-Za-z_]\w*)*$")
_SYMBOL_OPS = ("=", "!=", "<", "<=", ">", ">=")
_WORD_OPS = ("contains", "like", "not contains", "not like")
_MARKER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[\w*-]+\s*(?:=\s*(?:"[^"]*"|[^;,<\s]*))?)*)')
_LINK_PARAM = re.compile(r';\s*([\w*-]+)\s*(?:=\s*("[^"]*"|[^;,<\s]*))?')
_TIMEOUT_WORDS = ("timeout", "timed out")


class WireError(ValueError):
    """An answer that is not the shape ConnectWise documents."""


def ticket_path(ticket_id: int) -> str:
    """``/service/tickets/{id}``."""
    return f"{TICKETS}/{int(ticket_id)}"


def notes_path(ticket_id: int) -> str:
    """``/service/tickets/{id}/notes``."""
    return f"{ticket_path(ticket_id)}/notes"


def api_base(site_url: str, base_path: str = DEFAULT_BASE_PATH) -> str:
    """The API root for a site given as ``https://host``, ``host`` or ``host/``; a URL that already holds an
    ``/apis/`` path is taken as the full root."""
    site = site_url.strip().rstrip("/")
    if not site:
        raise ValueError("the ConnectWise site address is empty")
    if "://" not in site:
        site = "https://" + site
    if "/apis/" in urlsplit(site).path + "/":
        return site
    return site + "/" + base_path.strip("/")


def basic_auth(credentials: PsaCredentials) -> str:
    """The ``Authorization`` value: ``Basic base64("{company}+{public}:{private}")``."""
    raw = f"{credentials.company_id}+{credentials.public_key}:{credentials.private_key}"
    return "Basic " + base64.b64encode(raw.encode("utf-8")).decode("ascii")


def headers(credentials: PsaCredentials) -> dict[str, str]:
    """Headers sent with every request (the JSON ``Content-Type`` is added by the HTTP client)."""
    return {"Authorization": basic_auth(credentials), "clientId": credentials.client_id, "Accept": ACCEPT}


def literal(value: ConditionValue) -> str:
    """A value as ConnectWise conditions spell it: ``"text"`` (backslash-escaped), ``true``, ``42``, ``null``,
    ``[2025-01-31T00:00:00Z]``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"[{utc_text(value)}]"
    if "\n" in value or "\r" in value:
        raise ValueError("a condition value cannot span lines")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def condition(field: str, value: ConditionValue, op: str = "=") -> str:
    """One comparison, e.g. ``condition("board/name", "Service Desk")`` -> ``board/name="Service Desk"``."""
    if not _FIELD.match(field):
        raise ValueError(f"not a ConnectWise field path: {field!r}")
    if op in _SYMBOL_OPS:
        return f"{field}{op}{literal(value)}"
    if op in _WORD_OPS:
        return f"{field} {op} {literal(value)}"
    raise ValueError(f"not a ConnectWise conditions operator: {op!r}")


def all_of(*conditions: str) -> str:
    """Comparisons joined with ``and`` (empty ones skipped)."""
    return " and ".join(c for c in conditions if c)


def active_member_with(field: str, email: str) -> str:
    """``{field}="{email}" and inactiveFlag=false``."""
    return all_of(condition(field, email), condition("inactiveFlag", False))


def links(header: str | None) -> dict[str, str]:
    """``Link: <url>; rel="next", <url>; rel="last"`` -> ``{"next": url, "last": url}`` (first URL per rel)."""
    found: dict[str, str] = {}
    for match in _LINK.finditer(header or ""):
        url, params = match.group(1).strip(), match.group(2)
        for key, value in _LINK_PARAM.findall(params):
            for rel in value.strip('"').split() if key.lower() == "rel" else ():
                found.setdefault(rel.lower(), url)
    return found


def next_page(header: str | None) -> dict[str, str] | None:
    """The query parameters of the ``rel="next"`` link, or None on the last page. Only the parameters are kept, so
    the next page is asked of our own base URL whatever host the server wrote into the link."""
    url = links(header).get("next")
    if not url:
        return None
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def marker_tag(marker: str) -> str:
    """The token written on the note's last line: ``[rf:<marker>]``."""
    if not _MARKER.match(marker):
        raise ValueError(f"unsafe note marker: {marker!r}")
    return f"[rf:{marker}]"


def with_marker(text: str, marker: str) -> str:
    """The note text with the marker as its final line (unchanged without a marker)."""
    return f"{text.rstrip()}\n\n{marker_tag(marker)}" if marker else text


def has_marker(text: str, marker: str) -> bool:
    """Whether a note's text carries this marker."""
    return marker_tag(marker) in text


def utc_text(moment: datetime) -> str:
    """``yyyy-MM-ddTHH:mm:ssZ`` in UTC (a naive datetime is taken as UTC)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def note_body(note: NewNote) -> dict[str, Any]:
    """A ServiceNote: text (with the marker line), exactly one of the three flags, notifications, member."""
    body: dict[str, Any] = {"text": with_marker(note.text, note.marker)}
    body.update({flag: kind is note.kind for kind, flag in NOTE_FLAGS.items()})
    body["processNotifications"] = note.notify
    if note.member_id is not None:
        body["member"] = {"id": note.member_id}
    return body


SUMMARY_LIMIT = 100  # ConnectWise's limit on a ticket summary


def ticket_body(ticket: NewTicket) -> dict[str, Any]:
    """``POST /service/tickets``: the board by name, summary (cut to 100 characters), ``initialDescription`` (the
    ticket's first note, marker on its last line) and, when given, the company by identifier."""
    body: dict[str, Any] = {
        "summary": ticket.summary[:SUMMARY_LIMIT],
        "board": {"name": ticket.board},
        "initialDescription": with_marker(ticket.description, ticket.marker),
    }
    if ticket.company:
        body["company"] = {"identifier": ticket.company}
    return body


def status_patch(status_id: int) -> list[dict[str, Any]]:
    """The JSON-Patch array that sets a ticket's status (ConnectWise paths have no leading slash)."""
    return [{"op": "replace", "path": "status", "value": {"id": int(status_id)}}]


def time_entry_body(entry: NewTimeEntry) -> dict[str, Any]:
    """A TimeEntry charged to a service ticket."""
    body: dict[str, Any] = {
        "chargeToId": entry.ticket_id,
        "chargeToType": "ServiceTicket",
        "member": {"id": entry.member_id},
        "timeStart": utc_text(entry.started_at),
        "actualHours": round(entry.hours, 2),
    }
    return body | ({"notes": entry.notes} if entry.notes else {})


def _record(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict) or _number(data.get("id")) is None:
        raise WireError(f"expected a {what} object with a numeric id")
    return data


def _ref(data: dict[str, Any], key: str) -> dict[str, Any]:
    return value if isinstance(value := data.get(key), dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> int | None:
    return None if isinstance(value, bool) or not isinstance(value, int) else value


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (``...Z``), or None when absent or unreadable."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def parse_id(data: Any, what: str) -> int:
    """The ``id`` of a created record."""
    return int(_record(data, what)["id"])


def parse_list(data: Any, what: str) -> list[Any]:
    """A JSON array answer (a page)."""
    if not isinstance(data, list):
        raise WireError(f"expected a list of {what}")
    return data


def parse_note(data: Any) -> PsaNote:
    """A ServiceNote; a note with several flags counts as resolution, then internal, then detail."""
    note = _record(data, "note")
    flagged = (k for k in (NoteKind.RESOLUTION, NoteKind.INTERNAL) if note.get(NOTE_FLAGS[k]) is True)
    kind = next(flagged, NoteKind.DETAIL)
    member = _ref(note, "member")
    author = _text(member.get("name")) or _text(member.get("identifier")) or _text(note.get("createdBy"))
    created = parse_time(note.get("dateCreated")) or parse_time(_ref(note, "_info").get("dateEntered"))
    return PsaNote(note["id"], _text(note.get("text")), kind, author, created)


def parse_ticket(data: Any, notes: Iterable[PsaNote] = ()) -> PsaTicket:
    """A Ticket with the notes fetched alongside it."""
    ticket = _record(data, "ticket")
    company, board, status = _ref(ticket, "company"), _ref(ticket, "board"), _ref(ticket, "status")
    return PsaTicket(
        id=ticket["id"],
        summary=_text(ticket.get("summary")),
        company=_text(company.get("name")) or _text(company.get("identifier")),
        contact=_text(ticket.get("contactName")) or _text(_ref(ticket, "contact").get("name")),
        contact_email=_text(ticket.get("contactEmailAddress")),
        board=_text(board.get("name")),
        board_id=_number(board.get("id")),
        status=_text(status.get("name")),
        status_id=_number(status.get("id")),
        priority=_text(_ref(ticket, "priority").get("name")),
        closed=ticket.get("closedFlag") is True,
        recent_notes=tuple(notes),
    )


def parse_member(data: Any) -> PsaMember:
    """A Member; the e-mail is ``primaryEmail``, else ``officeEmail``."""
    member = _record(data, "member")
    identifier = _text(member.get("identifier"))
    name = " ".join(n for n in (_text(member.get("firstName")), _text(member.get("lastName"))) if n) or identifier
    email = _text(member.get("primaryEmail")) or _text(member.get("officeEmail"))
    return PsaMember(member["id"], identifier, name, email, active=member.get("inactiveFlag") is not True)


def email_matches(data: Any, email: str) -> bool:
    """Whether a member JSON object carries this address (case-insensitive) in one of ``EMAIL_FIELDS``."""
    wanted = email.strip().casefold()
    return isinstance(data, dict) and any(_text(data.get(f)).strip().casefold() == wanted for f in EMAIL_FIELDS)


def system_version(data: Any) -> str:
    """``/system/info`` in a few words (``"v2025.1 (cloud)"``), or "" when it says nothing useful."""
    if not isinstance(data, dict):
        return ""
    version = _text(data.get("version"))
    return f"{version} (cloud)" if version and data.get("isCloud") is True else version


def error_message(data: Any) -> str:
    """An error body ``{code, message, errors: [{message, field}]}`` in one line."""
    if not isinstance(data, dict):
        return ""
    parts = [_text(data.get("message")).strip()]
    errors = data.get("errors")
    for item in errors if isinstance(errors, list) else []:
        text = _text(item.get("message")).strip() if isinstance(item, dict) else ""
        if text not in parts:
            parts.append(text)
    return "; ".join(p for p in parts if p)


def mentions_timeout(body: str) -> bool:
    """Whether a 500 answer says a timeout caused it (ConnectWise then succeeds on a retry)."""
    lowered = body.lower()
    return any(word in lowered for word in _TIMEOUT_WORDS)

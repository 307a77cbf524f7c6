"""The pieces of the ConnectWise fake that are not routes: record shapes (with ``_info``), error bodies, a minimal
``conditions`` parser, ``fields`` selection, ordering and ``page``/``pageSize`` paging with a ``Link`` header.

Shapes follow the platform fact sheet (platforms.md §3) — written from the documented field lists, not copied.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from yarl import URL

Record = dict[str, Any]
Condition = tuple[str, str, Any]  # (path, "=" | "!=", value)

_COMPARISON = re.compile(
    r"\s*(?P<path>[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)\s*(?P<op>!=|=)\s*"
    r'(?P<value>"(?:[^"\\]|\\.)*"|true|false|null|-?\d+(?:\.\d+)?)\s*',
    re.IGNORECASE,
)
_AND = re.compile(r"and\b\s*", re.IGNORECASE)
_ESCAPE = re.compile(r"\\(.)")
MAX_PAGE_SIZE = 1000


def now_text() -> str:
    """The current time as ConnectWise writes it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(code: str, message: str, *details: tuple[str, str, str]) -> Record:
    """An error body: ``{code, message, errors: [{code, message, resource, field}]}`` (``errors`` only if any)."""
    body: Record = {"code": code, "message": message}
    if details:
        body["errors"] = [{"code": c, "message": m, "resource": "", "field": f} for c, m, f in details]
    return body


def info(api: str, **links: str) -> Record:
    """An ``_info`` block: audit fields plus ``<name>_href`` links under the API root ``api``."""
    stamp = now_text()
    block: Record = {"lastUpdated": stamp, "updatedBy": "RFBotAPI", "dateEntered": stamp, "enteredBy": "RFBotAPI"}
    block.update({f"{name}_href": f"{api}{path}" for name, path in links.items()})
    return block


def ref(api: str, kind: str, path: str, **fields: Any) -> Record:
    """A reference object like ``{"id": 1, "name": "New", "_info": {"status_href": ...}}``."""
    return {**fields, "_info": {f"{kind}_href": f"{api}{path}"}}


def ticket(api: str, ticket_id: int, summary: str, status: Record, **about: Any) -> Record:
    """A service Ticket; ``about`` holds company, contact, contact_email, board, priority and closed."""
    company, contact = about["company"], about["contact"]
    return {
        "id": ticket_id,
        "summary": summary,
        "recordType": "ServiceTicket",
        "board": ref(api, "board", "/service/boards/1", id=1, name=about["board"]),
        "status": status,
        "company": ref(api, "company", "/company/companies/250", id=250, identifier=company[:8], name=company),
        "contact": ref(api, "contact", "/company/contacts/7", id=7, name=contact),
        "contactName": contact,
        "contactEmailAddress": about["contact_email"],
        "priority": ref(api, "priority", "/service/priorities/4", id=4, name=about["priority"], sort=6),
        "severity": "Medium",
        "impact": "Medium",
        "closedFlag": about["closed"],
        "resources": "",
        "customFields": [],
        "_info": info(api, notes=f"/service/tickets/{ticket_id}/notes"),
    }


def member(api: str, member_id: int, identifier: str, first: str, last: str, **about: Any) -> Record:
    """A Member; ``about`` holds email, office and inactive."""
    return {
        "id": member_id,
        "identifier": identifier,
        "firstName": first,
        "lastName": last,
        "primaryEmail": about["email"],
        "officeEmail": about["office"],
        "defaultEmail": "Office",
        "inactiveFlag": about["inactive"],
        "licenseClass": "F",
        "timeZone": {"id": 1, "name": "GMT-5/Eastern Time: US & Canada"},
        "_info": info(api, image=f"/system/members/{member_id}/image"),
    }


def parse_conditions(text: str) -> list[Condition]:
    """``a/b="x" and c=false and d!=3`` -> comparisons; anything richer raises ``ValueError`` (a 400 upstream)."""
    found: list[Condition] = []
    position = 0
    while text.strip():
        match = _COMPARISON.match(text, position)
        if match is None:
            raise ValueError(f"cannot parse conditions near {text[position:]!r}")
        found.append((match["path"], match["op"], _value(match["value"])))
        position = match.end()
        if position == len(text):
            break
        joined = _AND.match(text, position)
        if joined is None:
            raise ValueError(f"cannot parse conditions: expected 'and' near {text[position:]!r}")
        position = joined.end()
    return found


def _value(token: str) -> Any:
    lowered = token.lower()
    if token.startswith('"'):
        return _ESCAPE.sub(r"\1", token[1:-1])
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    return float(token) if "." in token else int(token)


def _lookup(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, str) and isinstance(wanted, str):
        return actual.casefold() == wanted.casefold()  # SQL Server's default collation ignores case
    return type(actual) is type(wanted) and actual == wanted


def matches(record: Record, conditions: list[Condition]) -> bool:
    """Whether the record satisfies every comparison."""
    return all(_same(_lookup(record, p), v) == (op == "=") for p, op, v in conditions)


def ordered(records: list[Record], order_by: str) -> list[Record]:
    """Sort by one top-level field, ``"<field> [asc|desc]"`` (empty: by id)."""
    field, _, direction = (order_by or "id").strip().partition(" ")
    return sorted(records, key=lambda r: (r.get(field) is None, r.get(field)), reverse=direction.lower() == "desc")


def selected(record: Record, fields: str) -> Record:
    """Only the listed top-level fields (all when ``fields`` is empty)."""
    names = [f.strip() for f in fields.split(",") if f.strip()]
    return {k: v for k, v in record.items() if k in names} if names else record


def paged(records: list[Record], query: dict[str, str], url: URL) -> tuple[list[Record], dict[str, str]]:
    """One page (``page`` 1-based, ``pageSize`` default 25, at most 1000) and its ``Link`` header (absent when
    everything fits on one page). Raises ``ValueError`` on a bad number."""
    page = int(query.get("page", "1"))
    size = min(int(query.get("pageSize", "25")), MAX_PAGE_SIZE)
    if page < 1 or size < 1:
        raise ValueError("page and pageSize must be positive")
    last = max(1, -(-len(records) // size))
    rels = {"next": page + 1, "last": last} if page < last else {}
    if page > 1:
        rels = {"prev": page - 1, **rels, "first": 1}
    link = ", ".join(f'<{url.update_query(page=str(n))}>; rel="{rel}"' for rel, n in rels.items())
    return records[(page - 1) * size : page * size], ({"Link": link} if link else {})

"""``bot.psa.connectwise.wire``: pure ConnectWise shapes — addresses, conditions, ``Link`` paging, the note marker,
request bodies, and parsing answers into the neutral PSA types. Shapes follow platforms.md §3."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.engine.psa import NewNote, NewTimeEntry, NoteKind, PsaCredentials, PsaMember, PsaNote
from bot.psa.connectwise import wire

API = "https://na.myconnectwise.net/v4_6_release/apis/3.0"


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ("https://na.myconnectwise.net", API),
        ("https://na.myconnectwise.net/", API),
        ("na.myconnectwise.net", API),
        ("  na.myconnectwise.net/ ", API),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v4_6_release/apis/3.0"),
        ("https://cw.example.com/v2025_1/apis/3.0/", "https://cw.example.com/v2025_1/apis/3.0"),
    ],
)
def test_api_base_accepts_the_usual_ways_of_writing_the_site(site: str, expected: str) -> None:
    assert wire.api_base(site) == expected


def test_api_base_uses_the_given_codebase_and_refuses_an_empty_site() -> None:
    assert wire.api_base("cw.example.com", "/v2025_1/apis/3.0/") == "https://cw.example.com/v2025_1/apis/3.0"
    with pytest.raises(ValueError, match="empty"):
        wire.api_base("  / ")


def test_headers_carry_basic_auth_client_id_and_the_api_version() -> None:
    creds = PsaCredentials("connectwise", "cw.example.com", "acme", "pub1", "priv:2", "client-guid")
    headers = wire.headers(creds)
    scheme, token = headers["Authorization"].split(" ")
    assert scheme == "Basic" and base64.b64decode(token).decode() == "acme+pub1:priv:2"
    assert headers["clientId"] == "client-guid"
    assert headers["Accept"] == "application/vnd.connectwise.com+json; version=2025.1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@b.c", '"a@b.c"'),
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (1.5, "1.5"),
        (None, "null"),
        (datetime(2025, 1, 31), "[2025-01-31T00:00:00Z]"),
        (datetime(2025, 1, 31, 2, 30, tzinfo=timezone(timedelta(hours=2))), "[2025-01-31T00:30:00Z]"),
    ],
)
def test_literals_are_spelled_as_conditions_expect(value: wire.ConditionValue, expected: str) -> None:
    assert wire.literal(value) == expected


def test_conditions_join_comparisons_and_refuse_what_they_cannot_express() -> None:
    assert wire.active_member_with("primaryEmail", "a@b.c") == 'primaryEmail="a@b.c" and inactiveFlag=false'
    assert wire.condition("board/name", "Service Desk") == 'board/name="Service Desk"'
    assert wire.condition("status/id", 5, "!=") == "status/id!=5"
    assert wire.condition("summary", "VPN", "contains") == 'summary contains "VPN"'
    assert wire.all_of("a=1", "", "b=2") == "a=1 and b=2"
    injected = wire.condition("primaryEmail", 'x" or identifier!="nobody')
    assert injected == r'primaryEmail="x\" or identifier!=\"nobody"'
    with pytest.raises(ValueError, match="field path"):
        wire.condition('primaryEmail="x" or id', 1)
    with pytest.raises(ValueError, match="operator"):
        wire.condition("id", 1, "; drop")
    with pytest.raises(ValueError, match="span lines"):
        wire.literal("a\nb")


NEXT = "https://cw.example.com/v4_6_release/apis/3.0/system/members?conditions=inactiveFlag%3Dfalse&pageSize=2&page=2"
LAST = "https://cw.example.com/v4_6_release/apis/3.0/system/members?conditions=inactiveFlag%3Dfalse&pageSize=2&page=4"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f'<{NEXT}>; rel="next", <{LAST}>; rel="last"', {"next": NEXT, "last": LAST}),
        (f'<{LAST}>;rel="prev",<{NEXT}>;rel=first', {"prev": LAST, "first": NEXT}),
        (f'<{NEXT}>; title="x, y"; rel="next last"', {"next": NEXT, "last": NEXT}),
        (f'<{NEXT}>; rel="NEXT"', {"next": NEXT}),
        ("", {}),
        (None, {}),
        ("garbage", {}),
    ],
)
def test_link_headers_are_parsed_by_rel(header: str | None, expected: dict[str, str]) -> None:
    assert wire.links(header) == expected


def test_next_page_keeps_only_the_query_parameters_of_the_next_link() -> None:
    header = f'<{NEXT}>; rel="next", <{LAST}>; rel="last"'
    assert wire.next_page(header) == {"conditions": "inactiveFlag=false", "pageSize": "2", "page": "2"}
    assert wire.next_page(f'<{LAST}>; rel="last"') is None
    assert wire.next_page(None) is None


def test_the_marker_is_the_final_line_and_is_found_again() -> None:
    text = wire.with_marker("Resolved: re-enrolled MFA.\n", "rf-0123abcd")
    assert text == "Resolved: re-enrolled MFA.\n\n[rf:rf-0123abcd]"
    assert text.splitlines()[-1] == wire.marker_tag("rf-0123abcd")
    assert wire.has_marker(text.replace("\n", "\r\n"), "rf-0123abcd")
    assert not wire.has_marker(text, "rf-0123abc")
    assert not wire.has_marker("mentions rf-0123abcd without brackets", "rf-0123abcd")
    assert wire.with_marker("no marker", "") == "no marker"


@pytest.mark.parametrize("marker", ["", "has space", "close]bracket", "new\nline", "x" * 65])
def test_unsafe_markers_are_refused(marker: str) -> None:
    with pytest.raises(ValueError, match="marker"):
        wire.marker_tag(marker)


@pytest.mark.parametrize(
    ("kind", "flag"),
    [
        (NoteKind.DETAIL, "detailDescriptionFlag"),
        (NoteKind.INTERNAL, "internalAnalysisFlag"),
        (NoteKind.RESOLUTION, "resolutionFlag"),
    ],
)
def test_note_body_sets_exactly_the_flag_of_its_kind(kind: NoteKind, flag: str) -> None:
    body = wire.note_body(NewNote("Fixed it", kind, marker="rf-1", member_id=176, notify=True))
    assert body == {
        "text": "Fixed it\n\n[rf:rf-1]",
        "detailDescriptionFlag": flag == "detailDescriptionFlag",
        "internalAnalysisFlag": flag == "internalAnalysisFlag",
        "resolutionFlag": flag == "resolutionFlag",
        "processNotifications": True,
        "member": {"id": 176},
    }


def test_note_body_without_member_or_marker_lets_the_api_member_write_quietly() -> None:
    body = wire.note_body(NewNote("Internal analysis", NoteKind.INTERNAL))
    assert body["text"] == "Internal analysis" and body["processNotifications"] is False and "member" not in body


def test_status_patch_is_a_json_patch_array_without_leading_slash() -> None:
    assert wire.status_patch(7) == [{"op": "replace", "path": "status", "value": {"id": 7}}]


def test_time_entry_body_charges_the_ticket_in_utc() -> None:
    started = datetime(2025, 3, 4, 10, 15, 30, 999, tzinfo=timezone(timedelta(hours=-5)))
    body = wire.time_entry_body(NewTimeEntry(4242, 176, started, 1.23456, notes="Re-enrolled MFA"))
    assert body == {
        "chargeToId": 4242,
        "chargeToType": "ServiceTicket",
        "member": {"id": 176},
        "timeStart": "2025-03-04T15:15:30Z",
        "actualHours": 1.23,
        "notes": "Re-enrolled MFA",
    }
    naive = wire.time_entry_body(NewTimeEntry(1, 2, datetime(2025, 3, 4, 9, 0), 0.5))
    assert naive["timeStart"] == "2025-03-04T09:00:00Z" and "notes" not in naive


TICKET: dict[str, Any] = {
    "id": 4242,
    "summary": "VPN drops every hour",
    "recordType": "ServiceTicket",
    "board": {"id": 1, "name": "Service Desk", "_info": {"board_href": "https://x/service/boards/1"}},
    "status": {"id": 5, "name": "Resolved", "Sort": 5, "_info": {}},
    "company": {"id": 250, "identifier": "Contoso", "name": "Contoso Dental", "_info": {}},
    "contact": {"id": 7, "name": "Pat Q.", "_info": {}},
    "contactName": "Pat Quinn",
    "contactEmailAddress": "pat@contoso.example",
    "priority": {"id": 4, "name": "Priority 3 - Normal Response", "sort": 6},
    "closedFlag": True,
    "customFields": [],
    "_info": {"lastUpdated": "2025-03-04T15:15:30Z"},
}


def test_a_ticket_parses_into_the_neutral_shape() -> None:
    note = PsaNote(1, "hello")
    ticket = wire.parse_ticket(TICKET, [note])
    assert (ticket.id, ticket.summary, ticket.company) == (4242, "VPN drops every hour", "Contoso Dental")
    assert (ticket.contact, ticket.contact_email) == ("Pat Quinn", "pat@contoso.example")
    assert (ticket.board, ticket.board_id, ticket.status, ticket.status_id) == ("Service Desk", 1, "Resolved", 5)
    assert ticket.priority == "Priority 3 - Normal Response" and ticket.closed is True
    assert ticket.recent_notes == (note,)


def test_a_sparse_ticket_gets_defaults_and_a_shapeless_one_is_refused() -> None:
    sparse = wire.parse_ticket({"id": 1, "company": {"identifier": "Acme"}, "contact": {"name": "Sam"}})
    assert (sparse.summary, sparse.company, sparse.contact, sparse.board_id, sparse.closed) == (
        "",
        "Acme",
        "Sam",
        None,
        False,
    )
    for bad in ({"summary": "no id"}, {"id": "1"}, {"id": True}, [TICKET], None):
        with pytest.raises(wire.WireError):
            wire.parse_ticket(bad)


@pytest.mark.parametrize(
    ("flags", "kind"),
    [
        ({"detailDescriptionFlag": True}, NoteKind.DETAIL),
        ({"internalAnalysisFlag": True}, NoteKind.INTERNAL),
        ({"resolutionFlag": True}, NoteKind.RESOLUTION),
        ({"detailDescriptionFlag": True, "resolutionFlag": True}, NoteKind.RESOLUTION),
        ({"internalAnalysisFlag": True, "detailDescriptionFlag": True}, NoteKind.INTERNAL),
        ({}, NoteKind.DETAIL),
    ],
)
def test_note_kind_comes_from_its_flags(flags: dict[str, bool], kind: NoteKind) -> None:
    assert wire.parse_note({"id": 9, "text": "t", **flags}).kind is kind


def test_a_note_parses_with_author_and_time() -> None:
    note = wire.parse_note(
        {
            "id": 70001,
            "ticketId": 4242,
            "text": "Rebooted.\n\n[rf:rf-1]",
            "member": {"id": 176, "identifier": "jdoe", "name": "Jo Doe"},
            "createdBy": "RFBotAPI",
            "dateCreated": "2025-03-04T15:15:30Z",
        }
    )
    assert note == PsaNote(
        70001, "Rebooted.\n\n[rf:rf-1]", NoteKind.DETAIL, "Jo Doe", datetime(2025, 3, 4, 15, 15, 30, tzinfo=UTC)
    )
    fallback = wire.parse_note({"id": 1, "createdBy": "RFBotAPI", "dateCreated": "yesterday", "_info": {}})
    assert (fallback.author, fallback.created_at, fallback.text) == ("RFBotAPI", None, "")
    entered = wire.parse_note(
        {"id": 1, "member": {"identifier": "jdoe"}, "_info": {"dateEntered": "2025-01-01T00:00:00"}}
    )
    assert entered.author == "jdoe" and entered.created_at == datetime(2025, 1, 1, tzinfo=UTC)


def test_members_parse_with_name_email_and_activity() -> None:
    full = {"id": 5, "identifier": "pquinn", "firstName": "Pat", "lastName": "Quinn", "primaryEmail": "pat@x.com"}
    assert wire.parse_member(full) == PsaMember(5, "pquinn", "Pat Quinn", "pat@x.com", True)
    office = {"id": 6, "identifier": "sam", "officeEmail": "sam@x.com", "inactiveFlag": True}
    assert wire.parse_member(office) == PsaMember(6, "sam", "sam", "sam@x.com", False)
    assert wire.email_matches(full, " PAT@X.com ") and wire.email_matches(office, "sam@x.com")
    assert not wire.email_matches(full, "pat@x.co") and not wire.email_matches(None, "pat@x.com")


def test_lists_ids_and_system_info() -> None:
    assert wire.parse_list([], "notes") == []
    with pytest.raises(wire.WireError, match="list of notes"):
        wire.parse_list({"id": 1}, "notes")
    assert wire.parse_id({"id": 9001, "status": "Open"}, "time entry") == 9001
    assert wire.system_version({"version": "v2025.1.10431", "isCloud": True}) == "v2025.1.10431 (cloud)"
    assert wire.system_version({"version": "v2024.2", "isCloud": False}) == "v2024.2"
    assert wire.system_version("nonsense") == ""


def test_error_bodies_read_as_one_line() -> None:
    body = {
        "code": "InvalidObject",
        "message": "company object is invalid",
        "errors": [
            {"code": "OutOfRange", "message": "The field yearEstablished must be between 1900 and 9999."},
            {"code": "Dup", "message": "company object is invalid"},
            "junk",
        ],
    }
    assert wire.error_message(body) == (
        "company object is invalid; The field yearEstablished must be between 1900 and 9999."
    )
    assert wire.error_message({"code": "X", "errors": [{"message": "only detail"}]}) == "only detail"
    assert wire.error_message("<html>") == ""


def test_a_500_that_timed_out_is_recognised() -> None:
    assert wire.mentions_timeout('{"message":"Execution Timeout Expired."}')
    assert wire.mentions_timeout("The operation timed out")
    assert not wire.mentions_timeout('{"message":"Object reference not set"}')

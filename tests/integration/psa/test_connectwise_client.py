"""``ConnectWiseClient`` over real HTTP against the ConnectWise fake: every ``Psa`` method, paging across pages, the
headers every request carries, and the 401/403/404/400 messages an engineer reads."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from bot.engine.psa import (
    NewNote,
    NewTimeEntry,
    NoteKind,
    PsaAuthError,
    PsaForbiddenError,
    PsaMember,
    PsaNotFoundError,
    PsaRejectedError,
)
from bot.psa.connectwise import wire
from bot.psa.connectwise.client import ConnectWiseClient
from tests.fakes.connectwise_api import FLAGS, PREFIX, FakeConnectWise
from tests.integration.psa.conftest import TICKET, Sleeps, connect

NOTES = f"/service/tickets/{TICKET}/notes"


async def test_get_ticket_reads_the_ticket_and_its_newest_notes(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    for n in range(1, 8):
        cw.add_note_record(TICKET, f"note {n}")
    cw.add_note_record(TICKET, "Escalated to the network team", "internalAnalysisFlag")
    ticket = await client.get_ticket(TICKET, recent_notes=3)
    assert (ticket.id, ticket.summary, ticket.company) == (TICKET, "VPN drops every hour", "Contoso Dental")
    assert (ticket.contact, ticket.contact_email) == ("Pat Quinn", "pat.quinn@contoso.example")
    assert (ticket.board, ticket.status, ticket.status_id, ticket.closed) == ("Service Desk", "New", 1, False)
    assert ticket.priority == "Priority 3 - Normal Response"
    assert [n.text for n in ticket.recent_notes] == ["Escalated to the network team", "note 7", "note 6"]
    assert ticket.recent_notes[0].kind is NoteKind.INTERNAL and ticket.recent_notes[0].author == "ResolutionFlow API"
    assert cw.calls_to(NOTES)[-1].query == {"orderBy": "id desc", "pageSize": "3"}
    assert (await client.get_ticket(TICKET, recent_notes=0)).recent_notes == ()
    assert len(cw.calls_to(NOTES)) == 1


async def test_every_request_carries_the_keys_the_client_id_and_the_api_version(
    cw: FakeConnectWise, client: ConnectWiseClient
) -> None:
    await client.get_ticket(TICKET)
    await client.add_note(TICKET, NewNote("x", NoteKind.INTERNAL))
    token = base64.b64encode(f"acme+{cw.public_key}:{cw.private_key}".encode()).decode()
    assert len(cw.calls) == 3
    for call in cw.calls:
        assert call.path.startswith(PREFIX + "/service/tickets/")
        assert call.headers["authorization"] == f"Basic {token}"
        assert call.headers["clientid"] == cw.client_id
        assert call.headers["accept"] == "application/vnd.connectwise.com+json; version=2025.1"
    assert cw.calls[-1].headers["content-type"] == "application/json"


@pytest.mark.parametrize("suffix", ["", "/", "/  "])
async def test_the_site_address_may_end_with_a_slash(cw: FakeConnectWise, sleeps: Sleeps, suffix: str) -> None:
    credentials = replace(cw.credentials(), site_url=" " + cw.base_url + suffix)
    async with ConnectWiseClient(credentials, sleep=sleeps) as psa:
        assert psa.base_url == cw.api
        assert (await psa.get_ticket(TICKET)).id == TICKET


async def test_a_bare_host_means_https_and_an_empty_site_is_refused(cw: FakeConnectWise) -> None:
    async with ConnectWiseClient(replace(cw.credentials(), site_url="na.myconnectwise.net/")) as psa:
        assert psa.base_url == "https://na.myconnectwise.net/v4_6_release/apis/3.0"
    with pytest.raises(PsaRejectedError, match="site address"):
        ConnectWiseClient(replace(cw.credentials(), site_url="  "))


async def test_find_member_by_primary_then_office_email(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    pat = await client.find_member(" Pat.Quinn@ACME.example ")
    assert pat == PsaMember(201, "pquinn", "Pat Quinn", "pat.quinn@acme.example", True)
    sam = await client.find_member("sam.lee@acme.example")
    assert sam is not None and (sam.id, sam.email) == (202, "sam.lee@acme.example")
    assert await client.find_member("old@acme.example") is None  # inactive
    assert await client.find_member("nobody@acme.example") is None
    assert await client.find_member("") is None
    conditions = [c.query["conditions"] for c in cw.calls_to("/system/members")]
    assert conditions[0] == 'primaryEmail="Pat.Quinn@ACME.example" and inactiveFlag=false'
    assert conditions[1:3] == [
        'primaryEmail="sam.lee@acme.example" and inactiveFlag=false',
        'officeEmail="sam.lee@acme.example" and inactiveFlag=false',
    ]


async def test_quotes_in_an_address_cannot_widen_the_member_search(client: ConnectWiseClient) -> None:
    assert await client.find_member('x" or identifier!="nobody') is None
    assert await client.find_member("pat.quinn@acme.example\nor id>0") is None


async def test_list_members_follows_every_page(cw: FakeConnectWise, sleeps: Sleeps) -> None:
    for n in range(10):
        cw.add_member(300 + n, f"tech{n}", "Tech", str(n), email=f"tech{n}@acme.example")
    async with connect(cw, sleeps, page_size=3) as psa:
        members = await psa.list_members()
    ids = [m.id for m in members]
    assert ids == [176, 201, 202, *range(300, 310)]  # the inactive 203 is left out
    calls = cw.calls_to("/system/members")
    assert [c.query.get("page", "1") for c in calls] == ["1", "2", "3", "4", "5"]
    assert all(c.query["conditions"] == "inactiveFlag=false" and c.query["pageSize"] == "3" for c in calls)


@pytest.mark.parametrize("kind", list(NoteKind))
async def test_add_note_posts_a_service_note_with_its_flag_member_and_marker(
    cw: FakeConnectWise, client: ConnectWiseClient, kind: NoteKind
) -> None:
    note = await client.add_note(TICKET, NewNote("Re-enrolled MFA.", kind, marker="rf-abc123", member_id=201))
    [stored] = cw.notes_on(TICKET)
    assert [f for f in FLAGS if stored[f]] == [wire.NOTE_FLAGS[kind]]
    assert stored["member"]["id"] == 201 and stored["processNotifications"] is False
    assert stored["text"].splitlines()[-1] == "[rf:rf-abc123]"
    assert (note.id, note.text, note.kind, note.author) == (stored["id"], stored["text"], kind, "Pat Quinn")


async def test_a_note_without_member_is_the_api_members_and_notify_fires_workflow(
    cw: FakeConnectWise, client: ConnectWiseClient
) -> None:
    await client.add_note(TICKET, NewNote("Customer told.", NoteKind.DETAIL, notify=True))
    [stored] = cw.notes_on(TICKET)
    assert stored["text"] == "Customer told." and stored["processNotifications"] is True
    assert stored["member"]["identifier"] == "RFBotAPI" and "member" not in cw.calls_to(NOTES)[0].json


async def test_find_note_searches_every_page_newest_first(cw: FakeConnectWise, sleeps: Sleeps) -> None:
    marked = cw.add_note_record(TICKET, "Old resolution\n\n[rf:rf-old]", "resolutionFlag")
    for n in range(6):
        cw.add_note_record(TICKET, f"chatter {n} mentions rf-old without brackets")
    async with connect(cw, sleeps, page_size=2) as psa:
        found = await psa.find_note(TICKET, "rf-old")
        assert found is not None and (found.id, found.kind) == (marked["id"], NoteKind.RESOLUTION)
        assert [c.query.get("page", "1") for c in cw.calls_to(NOTES)] == ["1", "2", "3", "4"]
        assert await psa.find_note(TICKET, "rf-never") is None
    assert len(cw.calls_to(NOTES)) == 8
    assert all(c.query["orderBy"] == "id desc" and c.query["pageSize"] == "2" for c in cw.calls_to(NOTES))


async def test_find_note_stops_at_the_first_page_that_has_it(cw: FakeConnectWise, sleeps: Sleeps) -> None:
    for n in range(5):
        cw.add_note_record(TICKET, f"chatter {n}")
    newest = cw.add_note_record(TICKET, "Just posted\n\n[rf:rf-new]")
    async with connect(cw, sleeps, page_size=2) as psa:
        found = await psa.find_note(TICKET, "rf-new")
    assert found is not None and found.id == newest["id"] and len(cw.calls_to(NOTES)) == 1


async def test_update_status_patches_then_reads_the_ticket_back(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    ticket = await client.update_status(TICKET, 5)
    assert (ticket.status, ticket.status_id) == ("Resolved", 5)
    calls = cw.calls_to(f"/service/tickets/{TICKET}")
    assert [c.method for c in calls] == ["PATCH", "GET"]
    assert calls[0].json == [{"op": "replace", "path": "status", "value": {"id": 5}}]
    assert cw.tickets[TICKET]["status"]["id"] == 5


async def test_a_status_that_does_not_stick_is_reported(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    cw.sticky_status.add(TICKET)
    with pytest.raises(PsaRejectedError) as err:
        await client.update_status(TICKET, 5)
    assert "kept ticket #4242 at status “New” (id 1) instead of status id 5" in err.value.message


async def test_an_unknown_status_is_refused_with_the_servers_reason(client: ConnectWiseClient) -> None:
    with pytest.raises(PsaRejectedError) as err:
        await client.update_status(TICKET, 99)
    assert err.value.message == (
        "ConnectWise refused changing the status of ticket #4242: ticket object is invalid; status object is invalid"
    )


async def test_add_time_entry_charges_the_ticket(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    started = datetime(2025, 3, 4, 10, 15, tzinfo=timezone(timedelta(hours=-5)))
    entry_id = await client.add_time_entry(NewTimeEntry(TICKET, 201, started, 1.5, "Re-enrolled MFA"))
    [stored] = cw.time_entries
    assert stored["id"] == entry_id and (stored["chargeToId"], stored["chargeToType"]) == (TICKET, "ServiceTicket")
    assert (stored["timeStart"], stored["actualHours"], stored["member"]["id"]) == ("2025-03-04T15:15:00Z", 1.5, 201)
    async with httpx.AsyncClient(headers=wire.headers(cw.credentials())) as raw:  # allNotes shows time-entry notes
        answer = await raw.get(f"{cw.api}/service/tickets/{TICKET}/allNotes")
    assert [(n["noteType"], n["text"]) for n in answer.json()] == [("TimeEntryNote", "Re-enrolled MFA")]


async def test_a_time_entry_for_an_unknown_member_is_refused(client: ConnectWiseClient) -> None:
    with pytest.raises(PsaRejectedError, match=r"adding a time entry to ticket #4242: .*member object is invalid"):
        await client.add_time_entry(NewTimeEntry(TICKET, 999, datetime(2025, 3, 4), 0.25))


async def test_check_reports_each_capability(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    results = await client.check()
    assert [(r.what, r.ok) for r in results] == [
        ("API keys accepted", True),
        ("reading service tickets", True),
        ("reading members", True),
    ]
    assert results[0].detail == "ConnectWise v2025.1.10431 (cloud)"
    assert cw.calls_to("/service/tickets")[0].query == {"pageSize": "1", "fields": "id"}


async def test_check_with_wrong_keys_stops_after_the_first(cw: FakeConnectWise, sleeps: Sleeps) -> None:
    async with ConnectWiseClient(cw.credentials(private_key="wrong"), sleep=sleeps) as psa:
        results = await psa.check()
    assert [r.ok for r in results] == [False, False, False] and len(cw.calls) == 1
    assert results[0].detail.startswith("ConnectWise rejected the API keys for company acme")
    assert results[1].detail == results[2].detail == "not tried: the connection check above failed"


async def test_check_names_the_missing_permission(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    cw.forbid("/system/members")
    keys, tickets, members = await client.check()
    assert keys.ok and tickets.ok and not members.ok
    assert members.detail == (
        "ConnectWise refused reading members: the API member's security role needs the System › Member Maintenance "
        "permission"
    )


@pytest.mark.parametrize(
    "change", [{"private_key": "nope"}, {"public_key": "nope"}, {"company_id": "other"}, {"client_id": "unknown"}]
)
async def test_rejected_credentials_name_the_company(
    cw: FakeConnectWise, sleeps: Sleeps, change: dict[str, str]
) -> None:
    credentials = cw.credentials(**change)
    async with ConnectWiseClient(credentials, sleep=sleeps) as psa:
        with pytest.raises(PsaAuthError) as err:
            await psa.get_ticket(TICKET)
    assert err.value.message.startswith(f"ConnectWise rejected the API keys for company {credentials.company_id} (")
    assert not err.value.retryable and len(cw.calls) == 1 and sleeps.delays == []


async def test_forbidden_names_what_was_tried_and_the_permission(
    cw: FakeConnectWise, client: ConnectWiseClient
) -> None:
    cw.forbid(f"/service/tickets/{TICKET}")
    with pytest.raises(PsaForbiddenError) as err:
        await client.get_ticket(TICKET)
    assert err.value.message == (
        "ConnectWise refused reading ticket #4242: the API member's security role needs the Service Desk › Service "
        "Tickets permission"
    )


async def test_a_missing_ticket_is_named(client: ConnectWiseClient) -> None:
    for attempt in (
        client.get_ticket(12345),
        client.add_note(12345, NewNote("x", NoteKind.DETAIL)),
        client.update_status(12345, 5),
        client.find_note(12345, "rf-1"),
    ):
        with pytest.raises(PsaNotFoundError) as err:
            await attempt
        assert err.value.message == "Ticket #12345 not found in ConnectWise"


async def test_a_wrong_codebase_points_at_the_site_address(cw: FakeConnectWise, sleeps: Sleeps) -> None:
    async with connect(cw, sleeps, base_path="/v2099_1/apis/3.0") as psa:
        with pytest.raises(PsaNotFoundError) as err:
            await psa.get_ticket(TICKET)
        [keys, *_] = await psa.check()
    assert err.value.message == (
        "ConnectWise has nothing at /service/tickets/4242 (HTTP 404) while reading ticket #4242 — check the site "
        f"address {cw.base_url}/v2099_1/apis/3.0"
    )
    assert not keys.ok and "check the site address" in keys.detail


async def test_a_bad_request_carries_the_servers_reason(client: ConnectWiseClient) -> None:
    with pytest.raises(PsaRejectedError) as err:
        await client.add_note(TICKET, NewNote("   ", NoteKind.RESOLUTION))
    assert err.value.message == (
        "ConnectWise refused adding a note to ticket #4242: serviceNote object is invalid; The text field is required."
    )

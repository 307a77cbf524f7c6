"""Opening a ticket (``create_ticket``) with the ConnectWise client against the fake: the request body, the ticket
and its first note, a board ConnectWise refuses, and a lost answer that must not be sent again."""

from __future__ import annotations

import pytest

from bot.engine.psa import NewTicket, PsaRejectedError, PsaUnavailableError
from bot.psa.connectwise.client import ConnectWiseClient
from tests.fakes.connectwise_api import FakeConnectWise

TICKET = NewTicket(
    board="maintenance",
    summary="Maintenance: Monthly server patching — 2026-12-01 22:00 UTC " + "x" * 80,
    description="All 3 targets done in 2 h 05 min.\n• FS01: OK — Alice",
    marker="rf-0123456789abcdef",
)


async def test_create_ticket_posts_board_summary_and_description(
    cw: FakeConnectWise, client: ConnectWiseClient
) -> None:
    created = await client.create_ticket(TICKET)
    (call,) = [c for c in cw.calls if c.method == "POST" and c.path.endswith("/service/tickets")]
    assert call.json["board"] == {"name": "maintenance"} and "company" not in call.json
    assert call.json["summary"] == TICKET.summary[:100] and len(created.summary) == 100
    assert call.json["initialDescription"].endswith("[rf:rf-0123456789abcdef]")
    assert created.board == "Maintenance" and created.id in cw.tickets
    (note,) = cw.notes_on(created.id)
    assert note["detailDescriptionFlag"] and "FS01: OK — Alice" in note["text"]
    with_company = await client.create_ticket(NewTicket("Service Desk", "S", "D", company="contoso"))
    assert [c.json.get("company") for c in cw.calls if c.method == "POST"][-1] == {"identifier": "contoso"}
    assert with_company.board == "Service Desk"


async def test_an_unknown_board_is_refused_with_the_reason(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    with pytest.raises(PsaRejectedError) as err:
        await client.create_ticket(NewTicket("No Such Board", "S", "D"))
    assert "opening a ticket on board No Such Board" in err.value.message and "board" in err.value.message


async def test_a_lost_answer_is_ambiguous_and_not_sent_twice(cw: FakeConnectWise, client: ConnectWiseClient) -> None:
    cw.reset_next("/service/tickets", after_handling=True)
    with pytest.raises(PsaUnavailableError) as err:
        await client.create_ticket(TICKET)
    assert err.value.ambiguous
    assert len([c for c in cw.calls if c.method == "POST"]) == 1 and len(cw.tickets) == 2  # 4242 and the new one

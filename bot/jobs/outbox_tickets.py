"""Delivery of ``psa.ticket`` outbox items: open a ticket on a board with the text as its first note (a maintenance
run's summary when its flow links no ticket but the team names a maintenance board).

Opening a ticket cannot be looked up afterwards the way a note's marker can, so an answer lost after sending is not
retried blindly: the item fails with a message that says to look on the board before pressing Retry (as a time
entry does). A failure that certainly happened before the PSA acted (throttling, connection refused) is retried.
"""

from __future__ import annotations

from typing import Any

from bot.engine.model import OutboxItem
from bot.engine.psa import NewTicket, Psa, PsaRejectedError, PsaUnavailableError

UNCONFIRMED_TICKET = "{error}. The ticket may have been opened anyway; look on the board “{board}” before retrying"


async def open_ticket(psa: Psa, item: OutboxItem) -> tuple[dict[str, Any], str]:
    """Open the item's ticket; returns what to keep (``ticket_id``) and how to show it (``ticket #N``)."""
    payload = item.payload
    board = str(payload["board"])
    ticket = NewTicket(
        board=board,
        summary=str(payload["summary"]),
        description=str(payload["text"]),
        marker=str(payload.get("marker", "")),
        company=str(payload.get("company", "")),
    )
    try:
        created = await psa.create_ticket(ticket)
    except PsaUnavailableError as err:
        if err.ambiguous:
            raise PsaRejectedError(UNCONFIRMED_TICKET.format(error=err.message, board=board)) from None
        raise
    return {"ticket_id": created.id}, f"ticket #{created.id}"

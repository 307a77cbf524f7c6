"""Ticket context in: fetch a linked ticket from the team's PSA and show it as a card in the session.

Used by `start <flow> #12345` and `link #12345`. A ticket the PSA does not know, or credentials it refuses, stop
the command with a clear message and change nothing. When the PSA is merely unreachable the engineer is not held
up: the number is linked and the session says the details could not be fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine import texts
from bot.engine.context import Ctx, UserError
from bot.engine.model import TicketLink
from bot.engine.psa import PsaError, PsaTicket, PsaUnavailableError
from bot.engine.replies import Block, Context, Fields, Header, Text, View

RECENT_NOTES_SHOWN = 3
NOTE_PREVIEW = 280


@dataclass(frozen=True, slots=True)
class TicketContext:
    """What a command learned about a ticket: the link to store, the card to show, a remark for the engineer."""

    link: TicketLink
    card: View | None = None
    remark: str = ""
    summary: str = ""
    context: str = ""  # the ticket as FlowPilot is told about it (untrusted text from the PSA)


async def fetch_ticket(ctx: Ctx, number: str) -> TicketContext:
    """Look the ticket up in the team's PSA. Raises ``UserError`` (nothing changes) when the PSA says no.

    Without a PSA integration in this deployment (the console demo) the number is linked silently."""
    if ctx.psa is None:
        return TicketContext(TicketLink(number))
    psa = await ctx.psa.for_team(ctx.team_id)
    if psa is None:
        return TicketContext(TicketLink(number), remark=texts.TICKET_NO_PSA.format(number=number))
    product = ctx.psa.name_for(ctx.team_id)
    try:
        ticket = await psa.get_ticket(int(number), recent_notes=RECENT_NOTES_SHOWN)
    except PsaUnavailableError as err:
        return TicketContext(
            TicketLink(number), remark=texts.TICKET_UNREACHABLE.format(number=number, psa=product, why=err.message)
        )
    except PsaError as err:
        raise UserError(err.message) from None
    link = TicketLink(number, ticket.summary, ticket.company)
    remark = texts.TICKET_CLOSED.format(number=number, status=ticket.status) if ticket.closed else ""
    return TicketContext(link, ticket_card(ticket, product), remark, ticket.summary, context_text(ticket))


def context_text(ticket: PsaTicket, max_chars: int = 4000) -> str:
    """The ticket as a plain-text context block for the copilot: fields, then its newest notes."""
    lines = [f"Ticket #{ticket.id}: {ticket.summary}"]
    for label, value in (
        ("Company", ticket.company),
        ("Contact", ticket.contact),
        ("Board", ticket.board),
        ("Status", ticket.status),
        ("Priority", ticket.priority),
    ):
        if value:
            lines.append(f"{label}: {value}")
    for note in ticket.recent_notes:
        lines.append(f"Note ({note.kind.value}{', ' + note.author if note.author else ''}): {note.text.strip()}")
    return "\n".join(lines)[:max_chars]


def ticket_card(ticket: PsaTicket, product: str) -> View:
    """The ticket as the session shows it: summary, who and where, and its newest notes."""
    fields = tuple(
        (label, value)
        for label, value in (
            ("Company", ticket.company),
            ("Contact", " · ".join(x for x in (ticket.contact, ticket.contact_email) if x)),
            ("Board", ticket.board),
            ("Status", ticket.status),
            ("Priority", ticket.priority),
        )
        if value
    )
    blocks: list[Block] = [Header(f"🎫 #{ticket.id} — {ticket.summary}")]
    if fields:
        blocks.append(Fields(fields))
    for note in ticket.recent_notes[:RECENT_NOTES_SHOWN]:
        text = note.text.strip()
        if len(text) > NOTE_PREVIEW:
            text = text[:NOTE_PREVIEW].rstrip() + "…"
        when = note.created_at.strftime("%Y-%m-%d %H:%M") if note.created_at else ""
        blocks.append(Context(" · ".join(x for x in (note.author, when, note.kind.value) if x)))
        blocks.append(Text(text))
    blocks.append(Context(texts.TICKET_FROM.format(psa=product)))
    return View(tuple(blocks), f"Ticket #{ticket.id}: {ticket.summary}")

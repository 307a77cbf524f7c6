"""Things the engineer adds to a session: `note`, `addstep`, `link`, and free text (and files) shared in the
thread."""

from __future__ import annotations

from bot.engine import texts
from bot.engine.commands.start import TICKET, show_ticket
from bot.engine.commands.tickets import fetch_ticket
from bot.engine.context import Ctx, UserError
from bot.engine.events import FileRef, FormId
from bot.engine.model import IntakeType, Session, SessionType, TimelineKind
from bot.engine.pilot.files import files_detail, files_of, shared_line
from bot.engine.replies import Input, OpenForm
from bot.engine.show import refresh_card, show_step
from bot.engine.views import step_title
from bot.flows.model import Flow

MAX_NOTE = 4000
TICKET_FIELD = "ticket"


async def add_note(ctx: Ctx, session: Session, text: str, files: tuple[FileRef, ...] = ()) -> None:
    """Record a free-text note on the current step (does not move the session); files shared with it are named in
    the note and kept for FlowPilot's next turn."""
    ctx.require_writer()
    if not session.status.is_open:
        raise UserError(texts.SESSION_CLOSED.format(status=session.status.value))
    text = text.strip()
    if not text and not files:
        raise UserError(texts.NOTE_EMPTY)
    if len(text) > MAX_NOTE:
        raise UserError(f"That note is {len(text)} characters; keep notes under {MAX_NOTE} (split it in two).")
    flow = await ctx.flow_of(session)
    title = step_title(session, flow)
    answer, detail = shared_line(text, files), files_detail(files)
    await ctx.record(
        session, TimelineKind.NOTE, node_id=session.current_node, title=title, answer=answer, detail=detail
    )
    ctx.whisper(texts.NOTE_SAVED.format(step=title))


async def cmd_note(ctx: Ctx, args: str) -> None:
    """Add a note to the current step: `note rebooted the router, link light now green`."""
    await add_note(ctx, await ctx.open_session(), args)


async def on_message(ctx: Ctx, text: str) -> None:
    """Free text (and files) shared in a session's conversation: FlowPilot's next question in a FlowPilot session,
    else a note on the current step."""
    session = await ctx.open_session()
    files = files_of(ctx.event)
    if session.session_type is SessionType.CHAT:
        from bot.engine.commands.pilot import ask

        ctx.require_writer()
        await ask(ctx, session, text, files)
        return
    await add_note(ctx, session, text, files)


async def cmd_addstep(ctx: Ctx, args: str) -> None:
    """Add a custom step for this session only: `addstep checked the switch port counters`."""
    ctx.require_writer()
    session = await ctx.open_session()
    ctx.ensure_open(session)
    title = args.strip()
    if not title:
        raise UserError(texts.CUSTOM_STEP_EMPTY)
    if session.custom_step:
        raise UserError(f"Finish the custom step *{session.custom_step}* first.")
    expected = session.state_version
    session.custom_step = title[:200]
    session.step_count += 1
    session.bump(ctx.now)
    await ctx.save(session, expected)
    ctx.say(texts.CUSTOM_STEP_ADDED)
    await show_step(ctx, session, await ctx.flow_of(session))


async def cmd_link(ctx: Ctx, args: str) -> None:
    """Link a ticket to the session here: `link #12345` (`link` alone opens a form asking for the number)."""
    ctx.require_writer()
    session = await ctx.open_session()
    ctx.ensure_open(session)
    if not args.strip():
        ctx.replies.append(
            OpenForm(
                ctx.conversation,
                ctx.event.actor,
                FormId.LINK_TICKET,
                texts.LINK_FORM_TITLE,
                session.id,
                session.state_version,
                (Input(TICKET_FIELD, texts.LINK_FORM_LABEL, placeholder="12345"),),
                submit_label="Link",
            )
        )
        return
    await link_ticket(ctx, session, args)


async def on_link_form(ctx: Ctx, session: Session, flow: Flow | None, values: dict[str, str]) -> None:
    """The link-ticket form, submitted."""
    ctx.ensure_open(session)
    number = values.get(TICKET_FIELD, "").strip()
    await link_ticket(ctx, session, number if number.startswith("#") else f"#{number}")


async def link_ticket(ctx: Ctx, session: Session, text: str) -> None:
    """Fetch the ticket ``text`` names (``#12345``) and link it; an unknown ticket changes nothing."""
    match = TICKET.match(text.strip())
    if not match:
        raise UserError(texts.TICKET_BAD)
    ticket = await fetch_ticket(ctx, match.group(1))
    expected = session.state_version
    session.ticket = ticket.link
    if session.intake_type is IntakeType.FREE_TEXT:
        session.intake_type = IntakeType.PSA_TICKET
    if not session.problem_summary and ticket.summary:
        session.problem_summary = ticket.summary
    session.bump(ctx.now)
    detail = {"context": ticket.context} if ticket.context else None
    await ctx.record(session, TimelineKind.TICKET_LINKED, title=f"#{match.group(1)}", detail=detail)
    await ctx.save(session, expected)
    await refresh_card(ctx, session, await ctx.flow_of(session))
    ctx.say(texts.TICKET_LINKED.format(number=match.group(1)))
    show_ticket(ctx, ticket)

"""FlowPilot commands: `pilot`, `fact`, `update`, `flow generate`, and messages typed in a FlowPilot session."""

from __future__ import annotations

import re

from bot.engine.commands.pilot_package import cmd_package, is_package_request
from bot.engine.commands.pilot_status import choice_from_words, request_status
from bot.engine.commands.start import TICKET, show_ticket
from bot.engine.commands.tickets import TicketContext, fetch_ticket
from bot.engine.context import Ctx, UserError
from bot.engine.events import FileRef, PilotJob
from bot.engine.model import Fact, FactSource, IntakeType, Session, SessionType, TimelineKind
from bot.engine.pilot import files as shared_files
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot import lane, views
from bot.engine.pilot import texts as t
from bot.engine.pilot.queue import queue_work
from bot.engine.replies import Context, View
from bot.engine.show import refresh_card
from bot.engine.shown import shown

MAX_PROBLEM = 4000
LOG_LINES = re.compile(r"(\n.*){5,}")  # five or more lines pasted: a log


def _mode_line(ctx: Ctx) -> str:
    mode = ctx.pilot.mode if ctx.pilot is not None else "offline"
    return t.STARTED.format(mode=t.MODE_CLAUDE if mode == "claude" else t.MODE_OFFLINE)


async def cmd_pilot(ctx: Ctx, args: str) -> None:
    """Ask FlowPilot, the AI copilot: `pilot <what's wrong> [#ticket]` (in its thread: ask more, or `pilot package`).

    In a session's thread, `pilot package` previews the escalation package (five sections and an assessment) to edit
    and post to the linked ticket as an internal note; the task lane's "Escalation package" button does the same.
    """
    ctx.require_writer()
    if is_package_request(args):
        await cmd_package(ctx)
        return
    words = args.split()
    tickets = [w for w in words if w.startswith("#") and TICKET.match(w)]
    problem = " ".join(w for w in words if w not in tickets).strip()
    files = shared_files.files_of(ctx.event)
    existing = await ctx.uow.sessions.open_in_conversation(ctx.team_id, ctx.conversation.key)
    if existing is not None:
        ctx.focus(existing)
        if not problem and not files:
            raise UserError(t.PILOT_EMPTY)
        await ask(ctx, existing, problem, files)
        return
    if not problem and not tickets and not files:
        raise UserError(t.PILOT_EMPTY)
    await begin_pilot(ctx, problem[:MAX_PROBLEM], tickets[0].lstrip("#") if tickets else "", files)


async def begin_pilot(ctx: Ctx, problem: str, ticket_number: str = "", files: tuple[FileRef, ...] = ()) -> Session:
    """Open a free-form FlowPilot session here and queue its first turn (with the files shared to start it)."""
    ticket = await fetch_ticket(ctx, ticket_number) if ticket_number else None
    conversation = ctx.conversation.to_dict()
    conversation["engineer_name"] = ctx.user.display_name
    prefs = await ctx.uow.settings.get(ctx.team_id)
    remembered = (prefs.get("pilot_preferences") or {}).get(ctx.user.id, "")
    intake = IntakeType.FREE_TEXT
    if ticket is not None:
        intake = IntakeType.COMBINED if problem else IntakeType.PSA_TICKET
    elif any(shared_files.kind_of(f) is shared_files.FileKind.IMAGE for f in files):
        intake = IntakeType.SCREENSHOT
    elif LOG_LINES.search(problem) or any(shared_files.kind_of(f) is shared_files.FileKind.TEXT for f in files):
        intake = IntakeType.LOG_PASTE
    session = Session(
        id=ctx.ids.new(),
        team_id=ctx.team_id,
        engineer_id=ctx.user.id,
        conversation=conversation,
        conversation_key=ctx.conversation.key,
        started_at=ctx.now,
        updated_at=ctx.now,
        session_type=SessionType.CHAT,
        intake_type=intake,
        title=(problem.splitlines()[0] if problem else (ticket.summary if ticket else ""))[:120] or "FlowPilot",
        problem_summary=problem or (ticket.summary if ticket else ""),
        ticket=ticket.link if ticket else None,
        pilot_preference=str(remembered) if remembered in ("gui", "script") else "",
    )
    await ctx.uow.sessions.add(session)
    expected = session.state_version
    await ctx.record(session, TimelineKind.STARTED, title="FlowPilot", detail={"ticket": ticket_number})
    if ticket is not None:
        detail = {"context": ticket.context} if ticket.context else None
        await ctx.record(session, TimelineKind.TICKET_LINKED, title=f"#{ticket_number}", detail=detail)
    if problem or files:
        answer, detail = shared_files.shared_line(problem, files), shared_files.files_detail(files)
        await ctx.record(session, TimelineKind.PILOT_ASKED, answer=answer, detail=detail)
    await queue_work_after_card(ctx, session, expected, ticket)
    _refuse_files(ctx, files)
    return session


async def queue_work_after_card(ctx: Ctx, session: Session, expected: int, ticket: TicketContext | None) -> None:
    """Post the card (the thread's root), the ticket and the mode line, then the first turn's placeholder."""
    session.bump(ctx.now)
    await refresh_card(ctx, session, None, post=True)
    if ticket is not None:
        show_ticket(ctx, ticket)
    ctx.post(View((Context(_mode_line(ctx)),), _mode_line(ctx)))
    ctx.post(views.lane_card(session, [], None), views.lane_ref(session))
    await queue_work(ctx, session, PilotJob.TURN)
    await ctx.save(session, expected)


async def ask(ctx: Ctx, session: Session, text: str, files: tuple[FileRef, ...] = ()) -> None:
    """The engineer's words (and files) to FlowPilot in an open session: record them and queue a turn. Files
    FlowPilot cannot read are named in the thread at once; only those alone, without words, queue no turn."""
    ctx.ensure_open(session)
    text = text.strip()[:MAX_PROBLEM]
    if not text and not files:
        raise UserError(t.PILOT_EMPTY)
    expected = session.state_version
    if not session.problem_summary and text:
        session.problem_summary = text
    session.bump(ctx.now)
    detail = shared_files.files_detail(files)
    await ctx.record(session, TimelineKind.PILOT_ASKED, answer=shared_files.shared_line(text, files), detail=detail)
    if text or shared_files.screen(files)[0]:
        await queue_work(ctx, session, PilotJob.TURN)
    await ctx.save(session, expected)
    _refuse_files(ctx, files)


def _refuse_files(ctx: Ctx, files: tuple[FileRef, ...]) -> None:
    """Say in the thread which shared files FlowPilot will not read, and why."""
    for notice in shared_files.screen(files)[1]:
        ctx.post(View((Context(notice),), notice))


async def cmd_fact(ctx: Ctx, args: str) -> None:
    """Add a fact to What we know: `fact the user's mailbox is 49.5 GB of 50 GB`."""
    ctx.require_writer()
    session = await ctx.open_session()
    ctx.ensure_open(session)
    text = args.strip()
    if not text:
        raise UserError(t.FACT_EMPTY)
    known = {lane.norm(f.text) for f in await ctx.uow.sessions.facts(ctx.team_id, session.id)}
    if lane.norm(text) in known:
        raise UserError(t.FACT_ALREADY)
    expected = session.state_version
    fact = Fact(ctx.ids.new(), ctx.team_id, session.id, text[:500], FactSource.ENGINEER_NOTE, ctx.now, "engineer note")
    await ctx.uow.sessions.add_fact(fact)
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.FACT_ADDED, title="engineer note", answer=fact.text)
    await ctx.save(session, expected)
    ctx.say(t.FACT_SAVED.format(text=shown(fact.text)))
    await update_lane(ctx, session)


async def update_lane(ctx: Ctx, session: Session) -> None:
    """Refresh the task-lane card."""
    facts = await ctx.uow.sessions.facts(ctx.team_id, session.id)
    fix = fix_rules.active(await ctx.uow.sessions.fixes(ctx.team_id, session.id))
    ctx.update(views.lane_card(session, facts, fix), views.lane_ref(session))


async def cmd_update(ctx: Ctx, args: str) -> None:
    """A status update from FlowPilot: `update ticket|client|email|request [quick|detailed]`.

    Kinds: `ticket` (ticket note — can be posted to a linked ticket), `client` (client update), `email` (e-mail
    draft), `request` (request info); quick unless `detailed` is added. The task lane's "Status update" menu offers
    the same eight.
    """
    ctx.require_writer()
    session = await ctx.open_session()
    await request_status(ctx, session, choice_from_words(args))

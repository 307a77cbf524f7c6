"""`start <flow> [#ticket] [name=value ...] [problem words]` — open a guided session in this conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.engine import texts
from bot.engine.commands.tickets import TicketContext, fetch_ticket
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId
from bot.engine.model import IntakeType, Session, SessionStatus, TimelineKind
from bot.engine.navigation import move_to
from bot.engine.replies import Button, Buttons, Style, Text, View
from bot.engine.show import refresh_card, show_step
from bot.flows.model import Flow, FlowStatus
from bot.flows.search import close_matches

TICKET = re.compile(r"^#?(\d{2,10})$")
ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@dataclass(slots=True)
class StartArgs:
    """Parsed arguments of `start`."""

    flow: str = ""
    ticket: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    problem: str = ""


def parse_start(args: str) -> StartArgs:
    """Split `vpn #12345 site=HQ user cannot connect` into its parts."""
    parsed = StartArgs()
    words: list[str] = []
    for token in args.split():
        ticket = TICKET.match(token)
        if ticket and token.startswith("#"):
            parsed.ticket = ticket.group(1)
            continue
        assign = ASSIGN.match(token)
        if assign:
            parsed.variables[assign.group(1)] = assign.group(2)
            continue
        if not parsed.flow:
            parsed.flow = token.lower()
        else:
            words.append(token)
    parsed.problem = " ".join(words)
    return parsed


async def resolve_flow(ctx: Ctx, name: str) -> Flow:
    """Find a flow by exact key, then unique key prefix; otherwise a helpful error with close matches."""
    if not name:
        raise UserError(texts.NO_FLOW_GIVEN)
    flow = await ctx.uow.flows.get(ctx.team_id, name)
    if flow is not None:
        return flow
    flows = [f for f in await ctx.uow.flows.list(ctx.team_id) if f.status is FlowStatus.PUBLISHED]
    prefixed = [f for f in flows if f.key.startswith(name)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise UserError(texts.FLOW_AMBIGUOUS.format(name=name, options=", ".join(f"`{f.key}`" for f in prefixed)))
    message = texts.UNKNOWN_FLOW.format(name=name)
    matches = close_matches(name, flows)
    if matches:
        message += " " + texts.DID_YOU_MEAN.format(options=" or ".join(f"`{m}`" for m in matches))
    raise UserError(message)


async def cmd_start(ctx: Ctx, args: str) -> None:
    """Start a guided flow here: `start <flow> [#ticket] [name=value …] [what's wrong]`."""
    ctx.require_writer()
    parsed = parse_start(args)
    flow = await resolve_flow(ctx, parsed.flow)
    existing = await ctx.uow.sessions.open_in_conversation(ctx.team_id, ctx.conversation.key)
    if existing is not None:
        _ask_what_to_do_with(ctx, existing, flow, args)
        return
    await begin(ctx, flow, parsed)


def _ask_what_to_do_with(ctx: Ctx, existing: Session, flow: Flow, args: str) -> None:
    text = texts.EXISTING_SESSION.format(title=existing.title, steps=existing.step_count, flow=flow.key)

    def button(label: str, choice: str, style: Style = Style.DEFAULT) -> Button:
        return Button(label, ActionId.REPLACE_SESSION, existing.id, existing.state_version, f"{choice}|{args}", style)

    ctx.whisper(
        text,
        Buttons(
            (
                button("Park it and start", "park", Style.PRIMARY),
                button("Abandon it and start", "abandon", Style.DANGER),
                button("Keep working on it", "continue"),
            )
        ),
    )


async def begin(ctx: Ctx, flow: Flow, parsed: StartArgs) -> Session:
    """Create the session, record its start and show the first step. A ticket is looked up in the team's PSA
    first (before anything is written), so an unknown ticket stops the start with nothing changed."""
    ticket = await fetch_ticket(ctx, parsed.ticket) if parsed.ticket else None
    conversation = ctx.conversation.to_dict()
    conversation["engineer_name"] = ctx.user.display_name
    session = Session(
        id=ctx.ids.new(),
        team_id=ctx.team_id,
        engineer_id=ctx.user.id,
        conversation=conversation,
        conversation_key=ctx.conversation.key,
        started_at=ctx.now,
        updated_at=ctx.now,
        title=flow.name,
        problem_summary=parsed.problem or (ticket.summary if ticket else ""),
        flow_key=flow.key,
        flow_version=flow.version,
        intake_type=IntakeType.PSA_TICKET if parsed.ticket else IntakeType.FREE_TEXT,
        ticket=ticket.link if ticket else None,
        variables={k: v for k, v in parsed.variables.items() if k in {x.name for x in flow.variables}},
    )
    await ctx.uow.sessions.add(session)
    expected = session.state_version
    await ctx.record(
        session,
        TimelineKind.STARTED,
        title=flow.name,
        detail={"flow": flow.key, "flow_version": flow.version, "ticket": parsed.ticket},
    )
    flow = await move_to(ctx, session, flow, flow.first)
    await ctx.save(session, expected)
    await refresh_card(ctx, session, flow, post=True)
    if ticket is not None:
        show_ticket(ctx, ticket)
    await show_step(ctx, session, flow)
    return session


def show_ticket(ctx: Ctx, ticket: TicketContext) -> None:
    """Post the ticket card (and any remark about the lookup) in the session's conversation."""
    if ticket.card is not None:
        ctx.post(ticket.card)
    if ticket.remark:
        ctx.say(ticket.remark)


async def on_start_flow(ctx: Ctx, value: str) -> None:
    """The Start button of a `list`/`search` result."""
    await cmd_start(ctx, value)


async def on_replace(ctx: Ctx, existing: Session, value: str) -> None:
    """Park, abandon or keep the session that was open when `start` was asked for."""
    choice, _, args = value.partition("|")
    if choice == "continue":
        ctx.whisper(texts.CONTINUE_EXISTING.format(title=existing.title))
        return
    ctx.require_owner(existing, "park or abandon")
    expected = existing.state_version
    if choice == "park":
        existing.status = SessionStatus.PAUSED
        kind = TimelineKind.PAUSED
    elif choice == "abandon":
        existing.status = SessionStatus.ABANDONED
        existing.ended_at = ctx.now
        kind = TimelineKind.ABANDONED
    else:
        raise UserError(texts.BUTTON_NOT_NOW)
    existing.bump(ctx.now)
    await ctx.record(existing, kind, title=f"to start {args.split()[0] if args.split() else 'a new flow'}")
    await ctx.save(existing, expected)
    await refresh_card(ctx, existing, await ctx.flow_of(existing))
    ctx.post(View((Text(f"*{existing.title}* {existing.status.value}."),), existing.status.value))
    parsed = parse_start(args)
    await begin(ctx, await resolve_flow(ctx, parsed.flow), parsed)

"""Replies that show a session: refresh the card, post the current step or its form."""

from __future__ import annotations

from bot.engine.context import Ctx
from bot.engine.conversation import Stage, stage_of
from bot.engine.events import ActionId, FormId
from bot.engine.model import Session
from bot.engine.replies import Button, Buttons, Context, Header, Input, OpenForm, Post, Style, Text, View
from bot.engine.views import card_ref, session_card, step_ref, step_view
from bot.flows.model import Flow


async def engineer_name(ctx: Ctx, session: Session) -> str:
    """Display name of the session's engineer (no lookup when the engineer is the one acting)."""
    if session.engineer_id == ctx.user.id:
        return ctx.user.display_name
    user = await ctx.uow.users.get(ctx.team_id, session.engineer_id)
    return user.display_name if user else "unknown"


async def parent_name(ctx: Ctx, session: Session) -> str:
    """Name of the flow a sub-flow returns to ("" at top level)."""
    if not session.flow_stack:
        return ""
    frame = session.flow_stack[-1]
    parent = await ctx.uow.flows.get(ctx.team_id, frame.flow_key, frame.flow_version)
    return parent.name if parent else frame.flow_key


async def refresh_card(ctx: Ctx, session: Session, flow: Flow | None, *, post: bool = False) -> None:
    """Post (first time) or update the session card. A card posted where there is no thread yet becomes the root of
    the session's thread."""
    view = session_card(session, flow, await engineer_name(ctx, session))
    if post:
        root = not ctx.conversation.thread
        ctx.replies.append(Post(ctx.conversation, view, card_ref(session), root=root, session_id=session.id))
    else:
        ctx.update(view, card_ref(session), lazy=True)


async def show_step(ctx: Ctx, session: Session, flow: Flow | None) -> None:
    """Post the current step, or open the intake form when the flow still needs its values."""
    if stage_of(session, flow) is Stage.AWAIT_INTAKE and flow is not None:
        ctx.replies.append(intake_form(ctx, session, flow))
        ctx.post(intake_view(session, flow), step_ref(session))
        return
    ctx.post(step_view(session, flow, await parent_name(ctx, session)), step_ref(session))


def intake_view(session: Session, flow: Flow) -> View:
    """The message shown while a checklist waits for its intake form."""
    names = ", ".join(v.label or v.name for v in flow.variables if v.required)
    text = f"*{flow.name}* starts once these details are in: {names}."
    buttons = Buttons(
        (
            Button("✎ Enter details", ActionId.ENTER_VALUE, session.id, session.state_version, "", Style.PRIMARY),
            Button("Pause", ActionId.PAUSE, session.id, session.state_version),
            Button("Abandon", ActionId.ABANDON, session.id, session.state_version, "", Style.DANGER),
        )
    )
    return View((Header("Details needed"), Text(text), buttons), text)


def intake_form(ctx: Ctx, session: Session, flow: Flow) -> OpenForm:
    """The form that collects a procedural flow's ``[VAR:name]`` values."""
    inputs = tuple(
        Input(
            v.name,
            v.label or v.name.replace("_", " ").capitalize(),
            initial=session.variables.get(v.name, v.default),
            placeholder=v.description,
            optional=not v.required,
        )
        for v in flow.variables
    )
    return OpenForm(
        conversation=ctx.conversation,
        actor=ctx.event.actor,
        form=FormId.INTAKE,
        title=f"{flow.name}: details",
        session_id=session.id,
        state_version=session.state_version,
        inputs=inputs,
        intro=(
            Text(f"*{flow.name}* needs a few details before the checklist starts."),
            Context("Fields marked optional can be left empty."),
        ),
        submit_label="Start checklist",
    )

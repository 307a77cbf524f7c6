"""Answering steps: choices, done/skipped, typed values, custom steps, back, skip target, sub-flow return."""

from __future__ import annotations

from bot.engine import texts
from bot.engine.commands.library_actions import after_answer
from bot.engine.context import Ctx, UserError
from bot.engine.conversation import Stage, missing_variables, stage_of
from bot.engine.events import ActionId, FormId
from bot.engine.model import Session, TimelineKind
from bot.engine.navigation import end_node, go_back, move_to, next_after, next_target, snapshot
from bot.engine.replies import Input, OpenForm
from bot.engine.show import intake_form, refresh_card, show_step
from bot.engine.views import answered_view, progress, step_ref, step_title
from bot.flows.model import Flow, FlowKind, NodeType

DONE_LABELS = {"ok": "Done", "skipped": "Skipped", "failed": "Didn't work"}


async def answer(
    ctx: Ctx,
    session: Session,
    flow: Flow,
    *,
    label: str,
    choice: str | None = None,
    value: str = "",
    outcome: str = "ok",
) -> None:
    """Record the answer to the current step and move on."""
    expected = session.state_version
    node = flow.node(session.current_node)
    header = f"Step {session.step_count + 1} · {step_title(session, flow)}"
    ref = step_ref(session)
    nxt = next_after(flow, session, choice)
    target = _target_label(session, flow)
    session.history.append(snapshot(session))
    session.step_count += 1
    session.bump(ctx.now)
    detail: dict[str, object] = {"flow": flow.key, "outcome": outcome}
    if target:
        detail["target"] = target
    if value:
        detail["value"] = value
    title = step_title(session, flow) if node.type is not NodeType.DECISION else node.question or node.title
    await ctx.record(session, TimelineKind.STEP_ANSWERED, node_id=node.id, title=title, answer=label, detail=detail)
    done_before = len(session.targets_done)
    answered_flow = flow
    flow = await move_to(ctx, session, flow, nxt)
    await ctx.save(session, expected)
    library = await after_answer(ctx, session, answered_flow, node, outcome)  # rating row; alternatives if failed
    ctx.update(answered_view(header, label, ctx.user.display_name, ctx.now, library), ref)
    if len(session.targets_done) > done_before:
        ctx.say(texts.MAINTENANCE_TARGET_DONE.format(target=session.targets_done[-1], progress=progress(session, flow)))
    await refresh_card(ctx, session, flow)
    await show_step(ctx, session, flow)


def _target_label(session: Session, flow: Flow) -> str:
    if flow.kind is FlowKind.MAINTENANCE and session.target_index < len(flow.targets):
        return flow.targets[session.target_index].label
    return ""


async def on_choose(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """A decision option was picked."""
    assert flow is not None
    node = flow.node(session.current_node)
    option = next((o for o in node.options if o.key == value), None)
    if option is None:
        raise UserError(
            f"“{value}” is not an answer to this step. Pick one of: " + ", ".join(o.label for o in node.options)
        )
    await answer(ctx, session, flow, label=option.label, choice=option.key)


async def on_done(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """An action/procedure/custom step was marked done, skipped or failed."""
    outcome = value if value in DONE_LABELS else "ok"
    stage = stage_of(session, flow)
    if stage is Stage.CUSTOM:
        await finish_custom(ctx, session, flow, DONE_LABELS[outcome])
        return
    assert flow is not None
    if stage is Stage.AWAIT_VALUE and outcome != "skipped":
        node = flow.node(session.current_node)
        raise UserError(texts.VALUE_REQUIRED.format(prompt=node.verification_prompt or node.title))
    await answer(ctx, session, flow, label=DONE_LABELS[outcome], outcome=outcome)


async def on_enter_value(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Open the form for a typed value (or the intake form)."""
    assert flow is not None
    if stage_of(session, flow) is Stage.AWAIT_INTAKE:
        ctx.replies.append(intake_form(ctx, session, flow))
        return
    node = flow.node(session.current_node)
    prompt = node.verification_prompt or node.title
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.STEP_VALUE,
            node.title or "Value",
            session.id,
            session.state_version,
            (Input("value", prompt),),
            submit_label="Record",
        )
    )


async def on_step_value(ctx: Ctx, session: Session, flow: Flow | None, values: dict[str, str]) -> None:
    """The typed value of a text-input step was submitted."""
    assert flow is not None
    if stage_of(session, flow) is not Stage.AWAIT_VALUE:
        raise UserError(texts.BUTTON_NOT_NOW)
    value = values.get("value", "").strip()
    if not value:
        node = flow.node(session.current_node)
        raise UserError(texts.VALUE_REQUIRED.format(prompt=node.verification_prompt or node.title))
    await answer(ctx, session, flow, label=value, value=value)


async def on_intake(ctx: Ctx, session: Session, flow: Flow | None, values: dict[str, str]) -> None:
    """The intake form of a procedural flow was submitted."""
    assert flow is not None
    declared = {v.name for v in flow.variables}
    merged = dict(session.variables)
    merged.update({k: v.strip() for k, v in values.items() if k in declared})
    missing = missing_variables(merged, flow)
    if missing:
        raise UserError(texts.INTAKE_MISSING.format(names=", ".join(missing)))
    expected = session.state_version
    session.variables = merged
    session.bump(ctx.now)
    await ctx.record(
        session,
        TimelineKind.VARIABLES_SET,
        title="",
        detail={"values": {k: merged[k] for k in sorted(declared) if k in merged}},
    )
    await ctx.save(session, expected)
    await refresh_card(ctx, session, flow)
    await show_step(ctx, session, flow)


async def on_back(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Go back one step."""
    expected = session.state_version
    ref = step_ref(session)
    header = step_title(session, flow)
    await go_back(ctx, session)
    session.step_count += 1
    session.bump(ctx.now)
    flow = await ctx.flow_of(session)
    title = step_title(session, flow)
    await ctx.record(session, TimelineKind.BACK, node_id=session.current_node, title=title)
    await ctx.save(session, expected)
    ctx.update(answered_view(header, f"went back to “{title}”", ctx.user.display_name, ctx.now), ref)
    await refresh_card(ctx, session, flow)
    await show_step(ctx, session, flow)


async def on_skip_target(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Maintenance: skip the rest of the current target."""
    assert flow is not None
    if flow.kind is not FlowKind.MAINTENANCE or session.target_index >= len(flow.targets):
        raise UserError(texts.BUTTON_NOT_NOW)
    expected = session.state_version
    ref = step_ref(session)
    header = step_title(session, flow)
    label = flow.targets[session.target_index].label
    session.history.append(snapshot(session))
    session.step_count += 1
    session.bump(ctx.now)
    await ctx.record(
        session,
        TimelineKind.TARGET_SKIPPED,
        title=f"Skipped target {label}",
        answer="Skipped",
        detail={"target": label},
    )
    nxt = await next_target(ctx, session, flow, end_node(flow))
    flow = await move_to(ctx, session, flow, nxt)
    await ctx.save(session, expected)
    ctx.update(answered_view(header, f"target {label} skipped", ctx.user.display_name, ctx.now), ref)
    await refresh_card(ctx, session, flow)
    await show_step(ctx, session, flow)


async def on_subflow_return(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Leave a sub-flow at its solution and continue in the parent flow."""
    if not session.flow_stack or not session.flow_stack[-1].return_node:
        raise UserError(texts.BUTTON_NOT_NOW)
    expected = session.state_version
    ref = step_ref(session)
    header = step_title(session, flow)
    session.history.append(snapshot(session))
    frame = session.flow_stack.pop()
    parent = await ctx.uow.flows.get(ctx.team_id, frame.flow_key, frame.flow_version)
    if parent is None:
        raise UserError(f"The parent flow `{frame.flow_key}` is no longer in the library.")
    session.flow_key, session.flow_version = parent.key, parent.version
    session.step_count += 1
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.SUBFLOW_RETURNED, title=parent.name, detail={"flow": parent.key})
    parent = await move_to(ctx, session, parent, frame.return_node)
    await ctx.save(session, expected)
    ctx.update(answered_view(header, f"continued in {parent.name}", ctx.user.display_name, ctx.now), ref)
    await refresh_card(ctx, session, parent)
    await show_step(ctx, session, parent)


async def finish_custom(ctx: Ctx, session: Session, flow: Flow | None, label: str) -> None:
    """Close the pending custom step."""
    expected = session.state_version
    ref = step_ref(session)
    title = session.custom_step
    session.custom_step = ""
    session.step_count += 1
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.CUSTOM_STEP, title=title, answer=label)
    await ctx.save(session, expected)
    ctx.update(answered_view(f"[CUSTOM] {title}", label, ctx.user.display_name, ctx.now), ref)
    await show_step(ctx, session, flow)


STEP_ACTIONS = {
    ActionId.CHOOSE: on_choose,
    ActionId.DONE: on_done,
    ActionId.ENTER_VALUE: on_enter_value,
    ActionId.BACK: on_back,
    ActionId.SKIP_TARGET: on_skip_target,
    ActionId.SUBFLOW_RETURN: on_subflow_return,
}

STEP_FORMS = {FormId.STEP_VALUE: on_step_value, FormId.INTAKE: on_intake}

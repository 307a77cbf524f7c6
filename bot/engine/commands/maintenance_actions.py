"""The buttons and forms of a maintenance run. They address the run by id (``session_id`` carries it) and a target
by its index, so they need no session: the engine runs them from ``MAINTENANCE_ACTIONS`` / ``MAINTENANCE_FORMS``.

Every change is a conditional save of the run over the version just loaded; a click that loses a race is retried
by the engine on the fresh run, so two engineers marking steps at once both keep their results. The run card and
an opened checklist are updated in place; the last target done finishes the run (``maintenance_runs.finish``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.engine.commands.maintenance_deliveries import on_retry_run_push
from bot.engine.commands.maintenance_runs import finish, flow_of_run, home_of, team_zone
from bot.engine.commands.schedule import on_remove_confirmed
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId, FormId
from bot.engine.maintenance import texts as t
from bot.engine.maintenance.progress import (
    RunRefused,
    complete,
    mark_all_ok,
    record_step,
    skip_target,
    steps_of,
    target,
)
from bot.engine.maintenance.records import MaintenanceRun, RunStatus, StepOutcome
from bot.engine.maintenance.views import checklist_ref, checklist_view, run_card
from bot.engine.model import Role
from bot.engine.replies import Input, OpenForm, Text
from bot.flows.model import Flow

RunAction = Callable[[Ctx, str, str], Awaitable[None]]
RunForm = Callable[[Ctx, str, dict[str, str]], Awaitable[None]]


async def _load(ctx: Ctx, run_id: str) -> tuple[MaintenanceRun, Flow]:
    run = await ctx.uow.maintenance_runs.get(ctx.team_id, run_id) if run_id else None
    if run is None:
        raise UserError(t.UNKNOWN_RUN)
    return run, await flow_of_run(ctx, run)


def _index(run: MaintenanceRun, text: str) -> int:
    if not text.strip().isdigit():
        raise UserError(t.UNKNOWN_RUN)
    index = int(text)
    try:
        target(run, index)
    except RunRefused as err:
        raise UserError(str(err)) from None
    return index


async def _changed(ctx: Ctx, run: MaintenanceRun, flow: Flow, expected: int, index: int) -> None:
    """Save the change (finishing the run when it was the last target) and redraw what shows it."""
    home = home_of(run)
    if complete(run):
        await finish(ctx, run, flow, RunStatus.COMPLETED, ctx.schedules)  # saves over the version loaded
    else:
        await ctx.uow.maintenance_runs.save(run, expected)
        ctx.update(run_card(run, flow, await team_zone(ctx)), run.card_ref, home, lazy=True)
    if run.targets[index].checklist_shown:
        ctx.update(checklist_view(run, flow, index, await team_zone(ctx)), checklist_ref(run.id, index), home)


def _who(ctx: Ctx) -> tuple[str, str]:
    return ctx.user.id, ctx.user.display_name


async def on_checklist(ctx: Ctx, run_id: str, value: str) -> None:
    """Open checklist: post the target's checklist in the run card's thread (anyone may read it)."""
    run, flow = await _load(ctx, run_id)
    index = _index(run, value)
    if not run.targets[index].checklist_shown and run.status is RunStatus.RUNNING and ctx.user.role is not Role.VIEWER:
        expected = run.version
        run.targets[index].checklist_shown = True
        await ctx.uow.maintenance_runs.save(run, expected)
    ctx.post(checklist_view(run, flow, index, await team_zone(ctx)), checklist_ref(run.id, index), home_of(run))


async def on_all_ok(ctx: Ctx, run_id: str, value: str) -> None:
    """Mark all OK: every open step of the target OK."""
    ctx.require_writer()
    run, flow = await _load(ctx, run_id)
    index, expected = _index(run, value), run.version
    try:
        mark_all_ok(run, flow, index, _who(ctx), ctx.now)
    except RunRefused as err:
        raise UserError(str(err)) from None
    await _changed(ctx, run, flow, expected, index)


async def on_skip_target(ctx: Ctx, run_id: str, value: str) -> None:
    """Skip target: the target is skipped; its open steps stay unanswered."""
    ctx.require_writer()
    run, flow = await _load(ctx, run_id)
    index, expected = _index(run, value), run.version
    try:
        skip_target(run, index, _who(ctx), ctx.now)
    except RunRefused as err:
        raise UserError(str(err)) from None
    await _changed(ctx, run, flow, expected, index)


async def _record(
    ctx: Ctx, run_id: str, index_text: str, step_id: str, outcome: StepOutcome, value: str = "", note: str = ""
) -> None:
    run, flow = await _load(ctx, run_id)
    index, expected = _index(run, index_text), run.version
    try:
        record_step(run, flow, index, step_id, outcome, _who(ctx), ctx.now, value=value, note=note)
    except RunRefused as err:
        raise UserError(str(err)) from None
    await _changed(ctx, run, flow, expected, index)


async def on_step(ctx: Ctx, run_id: str, value: str) -> None:
    """A step's OK / Issue / Skip (value ``<index>:<ok|issue|skipped|value>:<step id>``); Issue and a step that
    asks for a value open a form."""
    ctx.require_writer()
    index_text, _, rest = value.partition(":")
    what, _, step_id = rest.partition(":")
    if what in ("issue", "value"):
        run, flow = await _load(ctx, run_id)
        index = _index(run, index_text)
        node = next((n for n in steps_of(flow) if n.id == step_id), None)
        if node is None:
            raise UserError(t.UNKNOWN_RUN)
        issue = what == "issue"
        label = t.ISSUE_LABEL if issue else (node.verification_prompt or node.title or "Value")
        field = Input(f"{index}:{step_id}", label, multiline=issue, placeholder=t.ISSUE_HINT if issue else "")
        intro = Text(t.FORM_INTRO.format(target=run.targets[index].label, step=node.title or node.id))
        ctx.replies.append(
            OpenForm(
                conversation=ctx.conversation,
                actor=ctx.event.actor,
                form=FormId.RUN_ISSUE if issue else FormId.RUN_VALUE,
                title=t.ISSUE_FORM_TITLE if issue else t.VALUE_FORM_TITLE,
                session_id=run.id,
                state_version=run.version,
                inputs=(field,),
                intro=(intro,),
            )
        )
        return
    try:
        outcome = StepOutcome(what)
    except ValueError:
        raise UserError(t.UNKNOWN_RUN) from None
    await _record(ctx, run_id, index_text, step_id, outcome)


def _answer(values: dict[str, str]) -> tuple[str, str, str]:
    if len(values) != 1:
        raise UserError(t.UNKNOWN_RUN)
    ((name, text),) = values.items()
    index_text, _, step_id = name.partition(":")
    return index_text, step_id, text.strip()


async def on_value_form(ctx: Ctx, run_id: str, values: dict[str, str]) -> None:
    """The value a step asked for: the step is OK with it."""
    ctx.require_writer()
    index_text, step_id, text = _answer(values)
    if not text:
        raise UserError(t.VALUE_REQUIRED.format(prompt=step_id))
    await _record(ctx, run_id, index_text, step_id, StepOutcome.OK, value=text)


async def on_issue_form(ctx: Ctx, run_id: str, values: dict[str, str]) -> None:
    """What is wrong with a step: the step has an issue (and the target will be reported with issues)."""
    ctx.require_writer()
    index_text, step_id, text = _answer(values)
    if not text:
        raise UserError(t.ISSUE_REQUIRED)
    await _record(ctx, run_id, index_text, step_id, StepOutcome.ISSUE, note=text)


MAINTENANCE_ACTIONS: dict[ActionId, RunAction] = {
    ActionId.RUN_CHECKLIST: on_checklist,
    ActionId.RUN_ALL_OK: on_all_ok,
    ActionId.RUN_SKIP_TARGET: on_skip_target,
    ActionId.RUN_STEP: on_step,
    ActionId.RUN_RETRY_PUSH: on_retry_run_push,
    ActionId.SCHEDULE_REMOVE: on_remove_confirmed,
}

MAINTENANCE_FORMS: dict[FormId, RunForm] = {FormId.RUN_VALUE: on_value_form, FormId.RUN_ISSUE: on_issue_form}

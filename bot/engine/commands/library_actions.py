"""The step library's buttons and forms, and what a guided session does with it when a step is answered.

Buttons are addressed by library step id (``value``) and carry the session they were offered in
(``session_id``, "" for none); they stay valid whatever the session has done since. A person's second click on
👍/👎 replaces their first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.engine.commands.library import find, on_step_form, show
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId, FormId
from bot.engine.model import Session
from bot.engine.replies import Block, OpenForm
from bot.engine.show import show_step
from bot.engine.steplib import texts
from bot.engine.steplib.ranking import alternatives
from bot.engine.steplib.records import REVIEW_CHARS, StepRating, Thumb
from bot.engine.steplib.sync import SYNCED, entry_for
from bot.engine.steplib.views import THUMB_ICON, alternatives_view, rating_row, review_inputs
from bot.flows.model import Flow, Node

LibraryAction = Callable[[Ctx, str, str], Awaitable[None]]
LibraryForm = Callable[[Ctx, str, dict[str, str]], Awaitable[None]]


async def _rate(ctx: Ctx, step_id: str, thumb: Thumb, review: str | None, session_id: str) -> str:
    step = await find(ctx, step_id)
    before = await ctx.uow.step_library.rating_of(step.id, ctx.user.id)
    kept = before.review if before is not None and review is None else (review or "")
    rating = StepRating(step.id, ctx.team_id, ctx.user.id, ctx.user.display_name, thumb, ctx.now, kept, session_id)
    await ctx.uow.step_library.rate(rating)
    return step.title


async def on_rate(ctx: Ctx, session_id: str, value: str) -> None:
    """👍 / 👎 on a step that came from the library."""
    step_id, _, thumb = value.rpartition(":")
    if thumb not in (Thumb.UP.value, Thumb.DOWN.value):
        raise UserError(texts.BAD_THUMB)
    title = await _rate(ctx, step_id, Thumb(thumb), None, session_id)
    ctx.whisper(texts.RATED.format(title=title, thumb=THUMB_ICON[Thumb(thumb)]))


async def on_review(ctx: Ctx, session_id: str, value: str) -> None:
    """Open the review form of a step."""
    step = await find(ctx, value)
    current = await ctx.uow.step_library.rating_of(step.id, ctx.user.id)
    form = OpenForm(
        ctx.conversation,
        ctx.event.actor,
        FormId.STEP_REVIEW,
        "Review step",
        f"{step.id}:{session_id}",
        0,
        review_inputs(current),
        submit_label="Save",
    )
    ctx.replies.append(form)


async def on_review_form(ctx: Ctx, address: str, values: dict[str, str]) -> None:
    """The review form: the thumb and a short review (checked before anything is stored)."""
    step_id, _, session_id = address.partition(":")
    thumb = values.get("thumb", "").strip().lower()
    if thumb not in (Thumb.UP.value, Thumb.DOWN.value):
        raise UserError(texts.BAD_THUMB)
    review = " ".join(values.get("review", "").split())
    if len(review) > REVIEW_CHARS:
        raise UserError(texts.REVIEW_TOO_LONG.format(limit=REVIEW_CHARS, count=len(review)))
    title = await _rate(ctx, step_id, Thumb(thumb), review, session_id)
    ctx.whisper(texts.REVIEWED.format(title=title))


async def on_show(ctx: Ctx, session_id: str, value: str) -> None:
    """Show a step to the person who clicked."""
    await show(ctx, value)


async def on_add(ctx: Ctx, session_id: str, value: str) -> None:
    """Add a library step to the session it was offered in, as a custom step (what `addstep` does)."""
    step = await find(ctx, value)
    session = await ctx.session_by_id(session_id)
    ctx.ensure_open(session)
    if session.custom_step:
        raise UserError(texts.FINISH_CUSTOM.format(title=session.custom_step))
    expected = session.state_version
    session.custom_step = step.title[:200]
    session.step_count += 1
    session.bump(ctx.now)
    await ctx.save(session, expected)
    ctx.say(texts.ADDED.format(title=step.title), step.content[:500])
    await show_step(ctx, session, await ctx.flow_of(session))


STEPLIB_ACTIONS: dict[ActionId, LibraryAction] = {
    ActionId.STEP_RATE: on_rate,
    ActionId.STEP_REVIEW: on_review,
    ActionId.STEP_SHOW: on_show,
    ActionId.STEP_ADD: on_add,
}
STEPLIB_FORMS: dict[FormId, LibraryForm] = {FormId.STEP_LIBRARY: on_step_form, FormId.STEP_REVIEW: on_review_form}


async def after_answer(ctx: Ctx, session: Session, flow: Flow, node: Node, outcome: str) -> tuple[Block, ...]:
    """When a guided step that is (or reuses) a library step was done or failed: count a completed use, return
    the rating row for the answered step's message, and after a failure post the best-rated alternatives."""
    if node.type not in SYNCED or outcome not in ("ok", "failed"):
        return ()
    entry = await entry_for(ctx.uow, ctx.team_id, ctx.user.id, flow, node)
    if outcome == "failed":
        await offer_alternatives(ctx, session, flow, node, entry.id if entry else "")
    if entry is None:
        return ()
    if outcome == "ok":
        await ctx.uow.step_library.count_use(entry.id)
    return (rating_row(session.id, entry),)


async def offer_alternatives(ctx: Ctx, session: Session, flow: Flow, node: Node, failed_id: str) -> None:
    """Post up to three best-rated library steps for the same problem as the failed ``node`` (from other flows or
    written by hand)."""
    steps = await ctx.uow.step_library.visible(ctx.team_id, ctx.user.id)
    same_flow = {s.id for s in steps if s.source_flow == flow.key}  # its own steps are not alternatives
    found = alternatives(
        steps,
        exclude={failed_id, *same_flow},
        category=flow.category,
        tags=flow.tags,
        text=f"{node.title} {node.instructions}",
    )
    if found:
        ctx.post(alternatives_view(texts.ALTERNATIVES, session.id, found))

"""FlowPilot's task-lane buttons and forms: answer a question, record a check, promote an item to a fact."""

from __future__ import annotations

from datetime import datetime

from bot.engine.commands.pilot import ask, update_lane
from bot.engine.context import Ctx, UserError
from bot.engine.events import FormId, PilotJob
from bot.engine.model import Fact, FactSource, Session, TaskLaneItem, TimelineKind
from bot.engine.pilot import lane, views
from bot.engine.pilot import texts as t
from bot.engine.pilot.queue import queue_work
from bot.engine.replies import Context, Input, OpenForm, Text, View
from bot.engine.shown import shown
from bot.engine.views import hhmm

ANSWER_FIELD, FACT_FIELD = "a_", "f_"


def _item(session: Session, item_id: str) -> TaskLaneItem:
    item = lane.find(session, item_id)
    if item is None:
        raise UserError(t.ITEM_GONE)
    return item


def _open_item(session: Session, item_id: str) -> TaskLaneItem:
    item = _item(session, item_id)
    if lane.is_settled(item):
        when = hhmm(datetime.fromisoformat(item.answered_at)) if item.answered_at else ""
        raise UserError(t.ITEM_DONE.format(who=item.answered_by or "someone", time=when, answer=item.answer))
    return item


async def record_answer(ctx: Ctx, session: Session, item: TaskLaneItem, text: str, skipped: bool = False) -> None:
    """Settle a lane item; when every item of its turn is settled, FlowPilot takes the next turn."""
    ctx.ensure_open(session)
    expected = session.state_version
    if skipped:
        lane.skip(item, ctx.user.display_name, ctx.now)
    else:
        if not text.strip():
            raise UserError(t.ANSWER_EMPTY)
        lane.answer(item, text, ctx.user.display_name, ctx.now)
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.LANE_ANSWERED, node_id=item.id, title=item.text, answer=item.answer)
    ctx.say(
        f"{lane.settled_mark(item)} {item.text} → {shown(item.answer)}",
        context=f"{ctx.user.display_name} · {hhmm(ctx.now)}",
    )
    waiting = [i for i in lane.open_items(session) if i.turn == item.turn]
    if not waiting:
        await queue_work(ctx, session, PilotJob.TURN)
    await ctx.save(session, expected)
    await update_lane(ctx, session)


async def on_lane_answer(ctx: Ctx, session: Session, value: str) -> None:
    """A quick-reply button of a question (value ``<item>:<option index>`` or ``<item>:skip``)."""
    item_id, _, choice = value.rpartition(":")
    item = _open_item(session, item_id)
    if choice == "skip":
        await record_answer(ctx, session, item, "", skipped=True)
        return
    if not choice.isdigit() or int(choice) >= len(item.options):
        raise UserError(t.ITEM_GONE)
    await record_answer(ctx, session, item, item.options[int(choice)])


async def on_lane_result(ctx: Ctx, session: Session, value: str) -> None:
    """A check's result button (value ``<item>:passed|failed|skipped``)."""
    item_id, _, result = value.rpartition(":")
    item = _open_item(session, item_id)
    if result not in lane.CHECK_RESULTS:
        raise UserError(t.ITEM_GONE)
    await record_answer(ctx, session, item, lane.CHECK_RESULTS[result], skipped=result == "skipped")


async def on_lane_text(ctx: Ctx, session: Session, value: str) -> None:
    """Open a form to answer a question or record a check's result in words."""
    item = _open_item(session, value)
    label = "Your answer" if item.kind == lane.QUESTION else "What did the check show?"
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.LANE_TEXT,
            "Answer FlowPilot",
            session.id,
            session.state_version,
            (Input(ANSWER_FIELD + item.id, label, multiline=True),),
            intro=(Text(f"*{item.text}*"),),
            submit_label="Save",
        )
    )


async def on_lane_form(ctx: Ctx, session: Session, values: dict[str, str]) -> None:
    """The answer-in-words form."""
    for name, text in values.items():
        if name.startswith(ANSWER_FIELD):
            await record_answer(ctx, session, _open_item(session, name[len(ANSWER_FIELD) :]), text)
            return
    raise UserError(t.ITEM_GONE)


async def on_promote(ctx: Ctx, session: Session, value: str) -> None:
    """ "Promote to what we know": the fast model drafts the fact; the engineer confirms it."""
    ctx.ensure_open(session)
    item = _item(session, value)
    if item.fact_id:
        raise UserError(t.FACT_ALREADY)
    if not lane.promotable(item):
        raise UserError(t.FACT_NOTHING)
    await queue_work(ctx, session, PilotJob.FACT, item.id)
    ctx.post(View((Context("📌 Drafting a fact…"),), "Drafting a fact"), views.fact_ref(session, item.id))


async def keep_fact(ctx: Ctx, session: Session, item: TaskLaneItem, text: str) -> None:
    """Add the (drafted or edited) fact, linked to its lane item."""
    ctx.ensure_open(session)
    if item.fact_id:
        raise UserError(t.FACT_ALREADY)
    text = text.strip()[:500]
    if not text:
        raise UserError(t.FACT_EMPTY)
    expected = session.state_version
    source = FactSource.QUESTION if item.kind == lane.QUESTION else FactSource.CHECK
    summary = f"From the {item.kind}: {item.text}"[:300]
    fact = Fact(ctx.ids.new(), ctx.team_id, session.id, text, source, ctx.now, summary, source_ref=item.id)
    await ctx.uow.sessions.add_fact(fact)
    item.fact_id, item.draft = fact.id, ""
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.FACT_ADDED, node_id=item.id, title=summary, answer=text)
    await ctx.save(session, expected)
    ctx.update(View((Context(t.FACT_SAVED.format(text=text)),), text), views.fact_ref(session, item.id))
    await update_lane(ctx, session)


async def on_fact_confirm(ctx: Ctx, session: Session, value: str) -> None:
    """Keep the drafted fact."""
    item = _item(session, value)
    await keep_fact(ctx, session, item, item.draft)


async def on_fact_none(ctx: Ctx, session: Session, value: str) -> None:
    """There is no fact in this item."""
    item = _item(session, value)
    if item.fact_id:
        raise UserError(t.FACT_ALREADY)
    expected = session.state_version
    item.fact_id, item.draft = "none", ""
    session.bump(ctx.now)
    await ctx.save(session, expected)
    ctx.update(View((Context(t.FACT_NONE),), t.FACT_NONE), views.fact_ref(session, item.id))
    await update_lane(ctx, session)


async def on_fact_edit(ctx: Ctx, session: Session, value: str) -> None:
    """Edit the drafted fact before keeping it."""
    item = _item(session, value)
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.FACT_EDIT,
            "Edit the fact",
            session.id,
            session.state_version,
            (Input(FACT_FIELD + item.id, "What we know", multiline=True, initial=item.draft),),
            intro=(Context(f"From: {item.text} → {item.answer}"),),
            submit_label="Keep",
        )
    )


async def on_fact_form(ctx: Ctx, session: Session, values: dict[str, str]) -> None:
    """The edited fact."""
    for name, text in values.items():
        if name.startswith(FACT_FIELD):
            await keep_fact(ctx, session, _item(session, name[len(FACT_FIELD) :]), text)
            return
    raise UserError(t.ITEM_GONE)


async def on_ask_pilot(ctx: Ctx, session: Session, value: str) -> None:
    """ "Ask FlowPilot" on a guided step: FlowPilot answers with the flow, the step and the notes so far."""
    await ask(ctx, session, value or "What should I check at this step?")

"""The engine's ``OpenForm`` as an Adaptive Card posted in the conversation (pure).

Teams has two ways to ask for input: a card with inputs in the conversation, or a task module (a dialog opened by an
``invoke``). We post a card: it works the same in channels, group chats and personal chat, needs no extra invoke
round-trip or manifest entry, and its submit is an ``Action.Execute`` like every other button, so one translator path
reads it. The card carries where the answer belongs (``ids.FormData``: session, state, channel, thread), so a form
sent to someone's personal chat still answers the session's thread. Submit collects and validates the inputs;
Cancel (``rf.dismiss``) collects nothing and just lets the handler replace the card.

A form card cannot be split, so it is fitted into one message: intro blocks are cut first (marked as truncated,
long code is truncated rather than split), then over-long initial values. Inputs the engine seals (credentials,
``SEALED_FIELDS``) are masked with ``style: password`` (client-side only: the value still travels in clear to us).
"""

from __future__ import annotations

from typing import Any

from bot.engine.events import SEALED_FIELDS
from bot.engine.replies import Header, OpenForm
from bot.handlers.teams import ids, texts
from bot.handlers.teams import render_elements as el
from bot.handlers.teams.markdown import truncate
from bot.handlers.teams.render import (
    SEPARATOR,
    SUMMARY_CHARS,
    RenderedMessage,
    budget,
    card,
    entities_of,
    fit,
    units_of,
    wire_size,
)

MIN_VALUE = 200  # an initial value is never cut below this many characters


def form_data(form: OpenForm, thread: str | None = None) -> ids.FormData:
    """Where the form's answer belongs: its conversation, or ``thread`` when the sender knows a newer one."""
    conversation = form.conversation
    return ids.FormData(
        form.session_id, form.state_version, conversation.channel, conversation.thread if thread is None else thread
    )


def _shrink_values(inputs: list[dict[str, Any]], room: int) -> list[dict[str, Any]]:
    """Cut the longest initial values (in halves) until the inputs fit ``room`` or none is long enough to cut."""
    inputs = [dict(i) for i in inputs]
    while sum(wire_size(i) + SEPARATOR for i in inputs) > room:
        longest = max(inputs, key=lambda i: len(str(i.get("value", ""))))
        value = str(longest.get("value", ""))
        if len(value) <= MIN_VALUE:
            break
        longest["value"] = truncate(value, max(len(value) // 2, MIN_VALUE), texts.TRUNCATED)
    return inputs


def render_form(form: OpenForm, metadata: ids.FormData | None = None) -> RenderedMessage:
    """A form card: the title as a heading, the intro blocks, one ``Input.Text`` per input, then Submit (collects
    and validates the inputs) and Cancel."""
    meta = metadata or form_data(form)
    sealed = SEALED_FIELDS.get(form.form, frozenset())
    summary = truncate(" ".join((form.title or texts.FALLBACK).split()), SUMMARY_CHARS)
    title = el.header(Header(form.title or texts.FALLBACK))
    submit = el.execute(form.submit_label or texts.SUBMIT, meta.to_data(form.form), style="positive", with_inputs=True)
    actions = {"type": "ActionSet", "actions": [submit, el.execute(texts.CANCEL, ids.dismiss_data())]}
    room = budget(summary) - wire_size(title) - wire_size(actions) - 2 * SEPARATOR
    inputs = _shrink_values([el.text_input(i, secret=i.name in sealed) for i in form.inputs], room)
    room -= sum(wire_size(i) + SEPARATOR for i in inputs)
    intro = fit(units_of(form.intro, truncate_code=True), room, texts.TRUNCATED) if form.intro else []
    body: list[dict[str, Any]] = [title, *(e for unit in intro for e in unit.elements), *inputs, actions]
    return RenderedMessage(summary, card(body, summary, entities_of(intro)))

"""The task lane's questions and checks (domain §2): stable ids across turns, answers, results.

When the copilot repeats an item (same kind, same text once case, spacing and punctuation are ignored) the item keeps
its id, so buttons drawn earlier stay valid. Answered items are never reopened by a repeat. The lane keeps at most
``MAX_OPEN`` open items: the oldest open ones are set aside (status ``skipped``) when newer ones arrive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.engine.copilot import LaneCheck, LaneQuestion
from bot.engine.model import Session, TaskLaneItem

MAX_OPEN = 6
MAX_TEXT = 500
MAX_COMMAND = 3000
QUESTION, CHECK = "question", "check"
OPEN, ANSWERED, DONE, SKIPPED = "open", "answered", "done", "skipped"
CHECK_RESULTS = {"passed": "Passed", "failed": "Failed", "skipped": "Skipped"}
_WORDS = re.compile(r"[^\w]+")


def norm(text: str) -> str:
    """The comparison form of an item's text."""
    return " ".join(_WORDS.sub(" ", text.lower()).split())


def find(session: Session, item_id: str) -> TaskLaneItem | None:
    """A lane item by id."""
    return next((i for i in session.pending_task_lane if i.id == item_id), None)


def open_items(session: Session) -> list[TaskLaneItem]:
    """Items still waiting for the engineer, oldest first."""
    return [i for i in session.pending_task_lane if i.status == OPEN]


def merge(
    session: Session,
    questions: Sequence[LaneQuestion],
    checks: Sequence[LaneCheck],
    new_id: Callable[[], str],
    turn: int,
) -> list[TaskLaneItem]:
    """Add a turn's questions and checks to the lane; returns the turn's items (existing ones keep their ids)."""
    known = {(i.kind, norm(i.text)): i for i in session.pending_task_lane}
    items: list[TaskLaneItem] = []
    for q in questions:
        item = known.get((QUESTION, norm(q.text)))
        if item is None:
            item = TaskLaneItem(id=new_id(), kind=QUESTION, text=q.text[:MAX_TEXT], turn=turn)
            session.pending_task_lane.append(item)
            known[(QUESTION, norm(q.text))] = item
        if item.status == OPEN:
            item.options = [o[:75] for o in q.options[:4]]
        items.append(item)
    for c in checks:
        item = known.get((CHECK, norm(c.label)))
        if item is None:
            item = TaskLaneItem(id=new_id(), kind=CHECK, text=c.label[:MAX_TEXT], turn=turn)
            session.pending_task_lane.append(item)
            known[(CHECK, norm(c.label))] = item
        if item.status == OPEN:
            item.detail = c.description[:MAX_TEXT]
            item.command = c.command[:MAX_COMMAND]
            item.language = c.language if c.command else ""
            item.expected = c.expected[:MAX_TEXT]
            item.action_type = c.action_type.value
        items.append(item)
    _cap(session, {i.id for i in items})
    return items


def _cap(session: Session, keep: set[str]) -> None:
    waiting = open_items(session)
    for item in waiting[: max(0, len(waiting) - MAX_OPEN)]:
        if item.id not in keep:
            item.status = SKIPPED
            item.answer = "set aside for newer questions"


def answer(item: TaskLaneItem, text: str, who: str, at: datetime) -> None:
    """Record the engineer's answer to a question (or a check's result)."""
    item.status = ANSWERED if item.kind == QUESTION else DONE
    item.answer = text.strip()[:MAX_TEXT]
    item.answered_by = who
    item.answered_at = at.isoformat()


def skip(item: TaskLaneItem, who: str, at: datetime) -> None:
    """The engineer skipped the item."""
    item.status = SKIPPED
    item.answer = "skipped"
    item.answered_by = who
    item.answered_at = at.isoformat()


def is_settled(item: TaskLaneItem) -> bool:
    """Answered, done or skipped."""
    return item.status != OPEN


def settled_mark(item: TaskLaneItem) -> str:
    """The mark of a settled item: ❌ for a check that failed, ⏭ for a skipped one, ✅ otherwise."""
    if item.status == SKIPPED:
        return "⏭"
    if item.kind == CHECK and item.answer == CHECK_RESULTS["failed"]:
        return "❌"
    return "✅"


def promotable(item: TaskLaneItem) -> bool:
    """An answered question or a completed check that has not become a fact (and is not waiting on a draft)."""
    return item.status in (ANSWERED, DONE) and not item.fact_id and item.answer != "skipped"

"""Neutral views of the step library: a step's card, result lists, the rating row on an answered step, the
alternatives offered after a failed step, and the add/edit and review forms' inputs."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.events import ActionId
from bot.engine.replies import Block, Button, Buttons, Code, Context, Header, Input, Text, View
from bot.engine.steplib.ranking import score
from bot.engine.steplib.records import REVIEW_CHARS, LibraryStep, StepRating, StepType, StepVisibility, Thumb

THUMB_ICON = {Thumb.UP: "👍", Thumb.DOWN: "👎"}
LIST_LIMIT = 10


def rating_line(step: LibraryStep) -> str:
    """``👍 12 · 👎 1 · used 40×`` (and its ranking score when rated)."""
    line = f"👍 {step.up_count} · 👎 {step.down_count} · used {step.usage_count}×"
    return line + (f" · score {score(step):.2f}" if step.up_count + step.down_count else "")


def rating_row(session_id: str, step: LibraryStep) -> Buttons:
    """The unobtrusive 👍 / 👎 / review buttons under an answered step that came from the library."""
    return Buttons(
        (
            Button("👍", ActionId.STEP_RATE, session_id, 0, f"{step.id}:{Thumb.UP.value}"),
            Button("👎", ActionId.STEP_RATE, session_id, 0, f"{step.id}:{Thumb.DOWN.value}"),
            Button("Add a review", ActionId.STEP_REVIEW, session_id, 0, step.id),
        )
    )


def _origin(step: LibraryStep) -> str:
    if step.read_only:
        return f"from flow `{step.source_flow}` (read-only)"
    return f"by {step.created_by_name or 'someone'}"


def step_view(step: LibraryStep, reviews: Sequence[StepRating]) -> View:
    """One step: its content, commands, rating and the reviews of the viewer's team."""
    blocks: list[Block] = [Header(f"📚 {step.title}")]
    if step.content:
        blocks.append(Text(step.content))
    blocks += [Code(code, "") for code in step.commands]
    meta = [step.type.value.replace("_", " "), step.visibility.value, _origin(step)]
    if step.category:
        meta.append(f"category {step.category}")
    if step.tags:
        meta.append("tags " + ", ".join(step.tags))
    blocks.append(Context(" · ".join(meta)))
    blocks.append(Context(f"{rating_line(step)} · id `{step.short_id}` · `{step.slug}`"))
    written = [r for r in reviews if r.review]
    if written:
        lines = [f"{THUMB_ICON[r.thumb]} _{r.review}_ — {r.user_name}" for r in written[:5]]
        blocks.append(Text("*Reviews*\n" + "\n".join(lines)))
    return View(tuple(blocks), f"Library step: {step.title}")


def list_view(title: str, steps: Sequence[LibraryStep]) -> View:
    """Search or top results: one line each, with a Show button."""
    blocks: list[Block] = [Header(title)]
    for step in steps[:LIST_LIMIT]:
        where = f" · {step.category}" if step.category else ""
        blocks.append(Text(f"*{step.title}* — `{step.short_id}`{where}\n{rating_line(step)}"))
        blocks.append(Buttons((Button("Show", ActionId.STEP_SHOW, "", 0, step.id),)))
    if len(steps) > LIST_LIMIT:
        blocks.append(Context(f"…and {len(steps) - LIST_LIMIT} more: narrow the search."))
    return View(tuple(blocks), title)


def alternatives_view(intro: str, session_id: str, steps: Sequence[LibraryStep]) -> View:
    """Alternatives to a failed step, each with "Add as a step" and "Show"."""
    blocks: list[Block] = [Text(intro)]
    for step in steps:
        blocks.append(Text(f"*{step.title}*\n{rating_line(step)}"))
        blocks.append(
            Buttons(
                (
                    Button("Add as a step", ActionId.STEP_ADD, session_id, 0, step.id),
                    Button("Show", ActionId.STEP_SHOW, session_id, 0, step.id),
                )
            )
        )
    return View(tuple(blocks), intro)


def step_inputs(step: LibraryStep | None) -> tuple[Input, ...]:
    """The add/edit form's fields (pre-filled when editing)."""
    types = " | ".join(t.value for t in StepType)
    visibilities = " | ".join(v.value for v in StepVisibility)
    return (
        Input("title", "Title", initial=step.title if step else ""),
        Input("type", f"Type ({types})", initial=step.type.value if step else StepType.ACTION.value),
        Input("content", "What to do", multiline=True, initial=step.content if step else "", optional=True),
        Input(
            "commands",
            "Commands (one per line)",
            multiline=True,
            initial="\n".join(step.commands) if step else "",
            optional=True,
        ),
        Input("category", "Category", initial=step.category if step else "", optional=True),
        Input("tags", "Tags (comma-separated)", initial=", ".join(step.tags) if step else "", optional=True),
        Input(
            "visibility",
            f"Visibility ({visibilities})",
            initial=step.visibility.value if step else StepVisibility.TEAM.value,
        ),
    )


def review_inputs(current: StepRating | None) -> tuple[Input, ...]:
    """The review form: the thumb and at most ``REVIEW_CHARS`` characters."""
    return (
        Input("thumb", "Did it help? (up | down)", initial=current.thumb.value if current else Thumb.UP.value),
        Input(
            "review",
            f"Review (at most {REVIEW_CHARS} characters)",
            multiline=True,
            initial=current.review if current else "",
        ),
    )

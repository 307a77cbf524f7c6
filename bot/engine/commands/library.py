"""`steps` — the step library: search, show, add, edit and the best-rated steps.

Roles: everyone (viewers too) searches and reads; engineers add and edit (``bot.engine.permissions``). Only the
steps this person may see are found (public ones, their team's, their own private ones), so a guessed id of another
team's step is "not found". Steps synced from a published flow are read-only; publishing to every team
(``public``) is for the bot's operators.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar

from bot.engine.context import Ctx, UserError
from bot.engine.events import FormId
from bot.engine.model import Role
from bot.engine.replies import Ephemeral, OpenForm, View
from bot.engine.steplib import texts
from bot.engine.steplib.ranking import search, top
from bot.engine.steplib.records import LibraryStep, StepType, StepVisibility
from bot.engine.steplib.views import list_view, step_inputs, step_view

TITLE_CHARS = 200
E = TypeVar("E", bound=StrEnum)
_SLUG = re.compile(r"[^a-z0-9]+")


def _show(ctx: Ctx, view: View) -> None:
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, view))


async def find(ctx: Ctx, ref: str) -> LibraryStep:
    """A step this person may see, or a ``UserError``."""
    step = await ctx.uow.step_library.get(ctx.team_id, ctx.user.id, ref)
    if step is None:
        raise UserError(texts.NOT_FOUND.format(ref=ref.strip()[:60]))
    return step


async def show(ctx: Ctx, ref: str) -> None:
    """Show one step (to the asker only), with the reviews of their team."""
    step = await find(ctx, ref)
    _show(ctx, step_view(step, await ctx.uow.step_library.ratings(step.id, ctx.team_id)))


async def cmd_steps(ctx: Ctx, args: str) -> None:
    """The step library: `steps [top]` (best-rated), `steps search TEXT [tag:x]`, `steps show|edit ID`, `steps add`.

    `steps` alone is `steps top`: every step this person may see, best-rated first, with its thumbs and uses."""
    action, _, rest = args.strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    if action == "search":
        tags = [w[4:] for w in rest.split() if w.lower().startswith("tag:") and len(w) > 4]
        text = " ".join(w for w in rest.split() if not w.lower().startswith("tag:"))
        found = search(await ctx.uow.step_library.visible(ctx.team_id, ctx.user.id), text, tags)
        if not found:
            raise UserError(texts.NONE_FOUND.format(what=f" “{rest}”" if rest else ""))
        _show(ctx, list_view(f"Library steps matching “{rest}”" if rest else "Library steps", found))
    elif action in ("top", ""):  # `steps` alone lists the library, best-rated first
        found = top(await ctx.uow.step_library.visible(ctx.team_id, ctx.user.id), rest)
        if not found:
            raise UserError(texts.NONE_FOUND.format(what=f" in category “{rest}”" if rest else ""))
        _show(ctx, list_view(f"Best-rated steps{f' · {rest}' if rest else ''}", found))
    elif action == "show" and rest:
        await show(ctx, rest)
    elif action == "add" and not rest:
        _open_form(ctx, None)
    elif action == "edit" and rest:
        _open_form(ctx, editable(ctx, await find(ctx, rest)))
    else:
        raise UserError(texts.USAGE)


def editable(ctx: Ctx, step: LibraryStep) -> LibraryStep:
    """Refuse synced (read-only) steps and other teams' steps."""
    if step.read_only:
        raise UserError(texts.READ_ONLY.format(title=step.title, flow=step.source_flow))
    if step.team_id != ctx.team_id:
        raise UserError(texts.NOT_YOURS.format(title=step.title))
    return step


def _open_form(ctx: Ctx, step: LibraryStep | None) -> None:
    title = "Edit library step" if step else "New library step"
    form = OpenForm(
        ctx.conversation, ctx.event.actor, FormId.STEP_LIBRARY, title, step.id if step else "", 0, step_inputs(step)
    )
    ctx.replies.append(form)


def _choice(kind: type[E], raw: str, message: str) -> E:
    value = raw.strip().lower().replace(" ", "_")
    try:
        return kind(value)
    except ValueError:
        raise UserError(message.format(value=raw.strip(), options=", ".join(k.value for k in kind))) from None


def slug_of(title: str, step_id: str) -> str:
    """``"Restart the VPN service"`` -> ``restart-the-vpn-service-1a2b3c4d``: readable, and unique because the
    suffix is the step id's last 8 hex digits (the random end of a UUID; the start of ids made in order is shared)."""
    base = _SLUG.sub("-", title.lower()).strip("-")[:60] or "step"
    return f"{base}-{step_id.replace('-', '')[-8:]}"


async def on_step_form(ctx: Ctx, step_id: str, values: dict[str, str]) -> None:
    """The add/edit form: check every field, then store the step (nothing is stored on a bad field)."""
    title = values.get("title", "").strip()
    if not title or len(title) > TITLE_CHARS:
        raise UserError(texts.TITLE_NEEDED)
    kind = _choice(StepType, values.get("type", "") or StepType.ACTION.value, texts.BAD_TYPE)
    visibility = _choice(StepVisibility, values.get("visibility", "") or "team", texts.BAD_VISIBILITY)
    if visibility is StepVisibility.PUBLIC and ctx.user.role is not Role.SUPER_ADMIN:
        raise UserError(texts.PUBLIC_OPERATORS)
    commands = tuple(line.strip() for line in values.get("commands", "").splitlines() if line.strip())
    tags = tuple(dict.fromkeys(t.strip().lower() for t in values.get("tags", "").split(",") if t.strip()))
    step = editable(ctx, await find(ctx, step_id)) if step_id else None
    if step is None:
        new_id = ctx.ids.new()
        step = LibraryStep(
            id=new_id,
            team_id=ctx.team_id,
            slug=slug_of(title, new_id),
            title=title,
            type=kind,
            created_by=ctx.user.id,
            created_by_name=ctx.user.display_name,
            created_at=ctx.now,
        )
    step.title, step.type, step.visibility = title, kind, visibility
    step.content, step.commands = values.get("content", "").strip(), commands
    step.category, step.tags, step.updated_at = values.get("category", "").strip()[:200], tags, ctx.now
    if step_id:
        await ctx.uow.step_library.update(step)
    else:
        await ctx.uow.step_library.add(step)
    ctx.whisper(texts.SAVED.format(title=step.title, id=step.short_id))

"""The step library (``bot.engine.steplib.records.StepLibraryRepository``) over ``library_steps`` and
``step_ratings``.

Every read is filtered to what the viewer may see: public steps, their team's ``team`` steps, and their own
``private`` steps. ``rate`` replaces a person's earlier rating (delete + insert in the one transaction) and then
recounts the step's thumbs from the ratings, so the counters are exact whatever was there before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update

from bot.engine.steplib.records import LibraryStep, StepRating, StepType, StepVisibility, Thumb
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.step_library_tables import LibraryStepRow, StepRatingRow

STEPS = table_of(LibraryStepRow)
RATINGS = table_of(StepRatingRow)
PUBLIC = "public"


def _scope(team_id: str | None) -> str:
    return team_id or PUBLIC


def _seen_by(team_id: str, user_id: str) -> ColumnElement[bool]:
    return or_(
        STEPS.c.visibility == StepVisibility.PUBLIC.value,
        and_(STEPS.c.team_id == team_id, STEPS.c.visibility == StepVisibility.TEAM.value),
        and_(
            STEPS.c.team_id == team_id,
            STEPS.c.visibility == StepVisibility.PRIVATE.value,
            STEPS.c.created_by == user_id,
        ),
    )


def _values(step: LibraryStep) -> dict[str, Any]:
    return {
        "team_id": step.team_id,
        "scope": _scope(step.team_id),
        "slug": step.slug,
        "title": step.title,
        "type": step.type.value,
        "content": step.content,
        "commands": list(step.commands),
        "category": step.category,
        "tags": list(step.tags),
        "visibility": step.visibility.value,
        "created_by": step.created_by,
        "created_by_name": step.created_by_name,
        "source_flow": step.source_flow or None,
        "source_node": step.source_node or None,
        "updated_at": step.updated_at,
    }


def _step(r: Any) -> LibraryStep:
    return LibraryStep(
        id=r.id,
        team_id=r.team_id,
        slug=r.slug,
        title=r.title,
        type=StepType(r.type),
        content=r.content,
        commands=tuple(r.commands or ()),
        category=r.category,
        tags=tuple(r.tags or ()),
        visibility=StepVisibility(r.visibility),
        created_by=r.created_by,
        created_by_name=r.created_by_name,
        source_flow=r.source_flow or "",
        source_node=r.source_node or "",
        usage_count=r.usage_count,
        up_count=r.up_count,
        down_count=r.down_count,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _rating(r: Any) -> StepRating:
    return StepRating(r.step_id, r.team_id, r.user_id, r.user_name, Thumb(r.thumb), r.at, r.review, r.session_id)


def _count(thumb: Thumb) -> Any:
    return (
        select(func.count())
        .select_from(RATINGS)
        .where(RATINGS.c.step_id == STEPS.c.id, RATINGS.c.thumb == thumb.value)
        .scalar_subquery()
    )


class SqlStepLibrary(SqlRepository):
    """``StepLibraryRepository`` in SQL."""

    async def add(self, step: LibraryStep) -> None:
        """Store a new step."""
        values = _values(step) | {"id": step.id, "created_at": step.created_at or step.updated_at}
        values |= {"usage_count": step.usage_count, "up_count": step.up_count, "down_count": step.down_count}
        await self.run(insert(STEPS), values)

    async def update(self, step: LibraryStep) -> None:
        """Store the editable fields of a step."""
        values = _values(step)
        for fixed in ("team_id", "scope", "created_by", "created_by_name", "source_flow", "source_node"):
            values.pop(fixed)
        await self.run(update(STEPS).where(STEPS.c.id == step.id).values(**values))

    async def get(self, team_id: str, user_id: str, ref: str) -> LibraryStep | None:
        """A visible step by id, short id (8+ hex digits) or slug; the team's own before a public one."""
        ref = ref.strip()
        if not ref:
            return None
        match = [STEPS.c.id == ref, STEPS.c.slug == ref]
        if len(ref) >= 8 and all(c in "0123456789abcdef-" for c in ref.lower()):
            match.append(STEPS.c.id.startswith(ref.lower(), autoescape=True))
        query = (
            select(STEPS)
            .where(_seen_by(team_id, user_id), or_(*match))
            .order_by((STEPS.c.scope == PUBLIC).asc(), STEPS.c.created_at)
            .limit(1)
        )
        row = await self.first(query)
        return _step(row) if row else None

    async def by_source(self, team_id: str | None, flow_key: str, node_id: str) -> LibraryStep | None:
        """The step synced from this flow node for this owner."""
        query = select(STEPS).where(
            STEPS.c.scope == _scope(team_id), STEPS.c.source_flow == flow_key, STEPS.c.source_node == node_id
        )
        row = await self.first(query)
        return _step(row) if row else None

    async def synced_from(self, team_id: str, flow_key: str, node_id: str) -> LibraryStep | None:
        """The step synced from this flow node: the team's own, else the public one (one look-up)."""
        query = (
            select(STEPS)
            .where(
                STEPS.c.scope.in_((_scope(team_id), PUBLIC)),
                STEPS.c.source_flow == flow_key,
                STEPS.c.source_node == node_id,
            )
            .order_by((STEPS.c.scope == PUBLIC).asc())
            .limit(1)
        )
        row = await self.first(query)
        return _step(row) if row else None

    async def visible(self, team_id: str, user_id: str) -> Sequence[LibraryStep]:
        """Every step this viewer may see, newest first."""
        query = select(STEPS).where(_seen_by(team_id, user_id)).order_by(STEPS.c.updated_at.desc(), STEPS.c.id)
        return [_step(r) for r in await self.all(query)]

    async def count_use(self, step_id: str) -> None:
        """One more completed use."""
        await self.run(update(STEPS).where(STEPS.c.id == step_id).values(usage_count=STEPS.c.usage_count + 1))

    async def rate(self, rating: StepRating) -> None:
        """Replace this person's rating and recount the step's thumbs."""
        await self.run(delete(RATINGS).where(RATINGS.c.step_id == rating.step_id, RATINGS.c.user_id == rating.user_id))
        await self.run(
            insert(RATINGS),
            {
                "step_id": rating.step_id,
                "user_id": rating.user_id,
                "team_id": rating.team_id,
                "user_name": rating.user_name,
                "thumb": rating.thumb.value,
                "review": rating.review,
                "session_id": rating.session_id,
                "at": rating.at,
            },
        )
        recount = update(STEPS).where(STEPS.c.id == rating.step_id)
        await self.run(recount.values(up_count=_count(Thumb.UP), down_count=_count(Thumb.DOWN)))

    async def rating_of(self, step_id: str, user_id: str) -> StepRating | None:
        """This person's rating of the step."""
        row = await self.first(select(RATINGS).where(RATINGS.c.step_id == step_id, RATINGS.c.user_id == user_id))
        return _rating(row) if row else None

    async def ratings(self, step_id: str, team_id: str) -> Sequence[StepRating]:
        """The ratings by people of ``team_id``, newest first."""
        query = (
            select(RATINGS)
            .where(RATINGS.c.step_id == step_id, RATINGS.c.team_id == team_id)
            .order_by(RATINGS.c.at.desc(), RATINGS.c.user_id)
        )
        return [_rating(r) for r in await self.all(query)]

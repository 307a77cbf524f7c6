"""The in-memory step library (part of ``tests.fakes.memory_store``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from bot.engine.steplib.records import LibraryStep, StepRating, StepVisibility, Thumb


def _seen_by(step: LibraryStep, team_id: str, user_id: str) -> bool:
    if step.visibility is StepVisibility.PUBLIC:
        return True
    if step.team_id != team_id:
        return False
    return step.visibility is StepVisibility.TEAM or step.created_by == user_id


class StepLibrary:
    """The fake ``StepLibraryRepository`` over the unit of work's copy of the state (``library_steps``,
    ``step_ratings``)."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    @property
    def s(self) -> Any:
        return self._uow.state

    async def add(self, step: LibraryStep) -> None:
        scope = step.team_id or "public"
        for other in self.s.library_steps.values():
            if (other.team_id or "public") == scope and (
                other.slug == step.slug
                or (step.source_flow and (other.source_flow, other.source_node) == (step.source_flow, step.source_node))
            ):
                raise AssertionError("duplicate library step")
        stored = copy.deepcopy(step)
        stored.created_at = stored.created_at or stored.updated_at
        self.s.library_steps[step.id] = stored

    async def update(self, step: LibraryStep) -> None:
        found = self.s.library_steps.get(step.id)
        if found is None:
            return
        for name in ("slug", "title", "type", "content", "commands", "category", "tags", "visibility", "updated_at"):
            setattr(found, name, copy.deepcopy(getattr(step, name)))

    async def get(self, team_id: str, user_id: str, ref: str) -> LibraryStep | None:
        ref = ref.strip()
        if not ref:
            return None
        hexish = len(ref) >= 8 and all(c in "0123456789abcdef-" for c in ref.lower())
        found = [
            x
            for x in self.s.library_steps.values()
            if _seen_by(x, team_id, user_id)
            and (x.id == ref or x.slug == ref or (hexish and x.id.startswith(ref.lower())))
        ]
        found.sort(key=lambda x: (x.team_id is None, x.created_at))
        return copy.deepcopy(found[0]) if found else None

    async def by_source(self, team_id: str | None, flow_key: str, node_id: str) -> LibraryStep | None:
        for x in self.s.library_steps.values():
            if x.team_id == team_id and x.source_flow == flow_key and x.source_node == node_id:
                return copy.deepcopy(x)
        return None

    async def synced_from(self, team_id: str, flow_key: str, node_id: str) -> LibraryStep | None:
        return await self.by_source(team_id, flow_key, node_id) or await self.by_source(None, flow_key, node_id)

    async def visible(self, team_id: str, user_id: str) -> Sequence[LibraryStep]:
        found = [x for x in self.s.library_steps.values() if _seen_by(x, team_id, user_id)]
        found.sort(key=lambda x: x.id)
        found.sort(key=lambda x: x.updated_at, reverse=True)
        return [copy.deepcopy(x) for x in found]

    async def count_use(self, step_id: str) -> None:
        found = self.s.library_steps.get(step_id)
        if found is not None:
            found.usage_count += 1

    async def rate(self, rating: StepRating) -> None:
        self.s.step_ratings[(rating.step_id, rating.user_id)] = rating
        found = self.s.library_steps.get(rating.step_id)
        if found is not None:
            mine = [r for r in self.s.step_ratings.values() if r.step_id == rating.step_id]
            found.up_count = sum(r.thumb is Thumb.UP for r in mine)
            found.down_count = sum(r.thumb is Thumb.DOWN for r in mine)

    async def rating_of(self, step_id: str, user_id: str) -> StepRating | None:
        return self.s.step_ratings.get((step_id, user_id))

    async def ratings(self, step_id: str, team_id: str) -> Sequence[StepRating]:
        found = [r for r in self.s.step_ratings.values() if r.step_id == step_id and r.team_id == team_id]
        return sorted(found, key=lambda r: (r.at, r.user_id), reverse=True)

"""Step library records and the repository port (``uow.step_library``).

A library step belongs to one team (``team_id``) or to nobody (``team_id`` None: a public step, e.g. synced from a
bundled flow). Who sees it follows ``visibility``: ``public`` steps are seen by every team, ``team`` steps by their
team, ``private`` steps by their author only. Every read takes the viewer (team and user) and returns only what that
viewer may see, so a guessed id of another team's step is simply "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

REVIEW_CHARS = 280  # the longest review kept


class StepType(StrEnum):
    """What a library step asks of the engineer."""

    ACTION = "action"
    PROCEDURE_STEP = "procedure_step"
    VERIFICATION = "verification"
    INFORMATIONAL = "informational"
    WARNING = "warning"


class StepVisibility(StrEnum):
    """Who sees a library step."""

    PRIVATE = "private"  # its author
    TEAM = "team"  # its team
    PUBLIC = "public"  # every team


class Thumb(StrEnum):
    """A rating."""

    UP = "up"
    DOWN = "down"


@dataclass(slots=True)
class LibraryStep:
    """One reusable step. ``source_flow``/``source_node`` are set on steps synced from a published flow; those are
    read-only (edit the flow instead). ``slug`` is what a flow's ``step:`` names (``<flow key>/<node id>`` for
    synced steps)."""

    id: str
    team_id: str | None
    slug: str
    title: str
    type: StepType
    content: str = ""
    commands: tuple[str, ...] = ()
    category: str = ""
    tags: tuple[str, ...] = ()
    visibility: StepVisibility = StepVisibility.TEAM
    created_by: str = ""
    created_by_name: str = ""
    source_flow: str = ""
    source_node: str = ""
    usage_count: int = 0
    up_count: int = 0
    down_count: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def read_only(self) -> bool:
        """Synced from a flow: changed by publishing the flow, never by hand."""
        return bool(self.source_flow)

    @property
    def short_id(self) -> str:
        """What people type: the first 8 hex digits of the id."""
        return self.id.replace("-", "")[:8]


@dataclass(frozen=True, slots=True)
class StepRating:
    """One person's thumbs up/down on a step, with an optional short review. One per person per step."""

    step_id: str
    team_id: str  # the rater's team
    user_id: str
    user_name: str
    thumb: Thumb
    at: datetime
    review: str = ""
    session_id: str = ""


class StepLibraryRepository(Protocol):
    """Library steps and their ratings."""

    async def add(self, step: LibraryStep) -> None:
        """Store a new step."""
        ...

    async def update(self, step: LibraryStep) -> None:
        """Store a changed step (title, type, content, commands, category, tags, visibility, updated_at)."""
        ...

    async def get(self, team_id: str, user_id: str, ref: str) -> LibraryStep | None:
        """The step with this id, short id or slug that this viewer may see (their team's first, then public)."""
        ...

    async def by_source(self, team_id: str | None, flow_key: str, node_id: str) -> LibraryStep | None:
        """The step synced from this flow node for this owner (None = public)."""
        ...

    async def synced_from(self, team_id: str, flow_key: str, node_id: str) -> LibraryStep | None:
        """The step synced from this flow node: the team's own, else the public one (one look-up)."""
        ...

    async def visible(self, team_id: str, user_id: str) -> Sequence[LibraryStep]:
        """Every step this viewer may see, newest first."""
        ...

    async def count_use(self, step_id: str) -> None:
        """One more completed use of the step."""
        ...

    async def rate(self, rating: StepRating) -> None:
        """Store (or replace) this person's rating of the step and recount its thumbs."""
        ...

    async def rating_of(self, step_id: str, user_id: str) -> StepRating | None:
        """This person's rating of the step."""
        ...

    async def ratings(self, step_id: str, team_id: str) -> Sequence[StepRating]:
        """The ratings of a step given by people of ``team_id``, newest first (another team's reviews stay
        theirs; the thumbs counters on the step are over everyone)."""
        ...

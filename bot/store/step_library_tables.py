"""The ``library_steps`` and ``step_ratings`` tables (migration 0017): the step library and its ratings.

Kept out of ``bot.store.tables`` (at its size limit); importing this module registers both tables on the same
``Base.metadata``, which ``bot.store`` (so every unit of work) and ``migrations/env.py`` do. ``scope`` is the owning
team id or ``"public"`` (never NULL), so ``UNIQUE (scope, slug)`` and ``UNIQUE (scope, source_flow, source_node)``
hold for public steps too; hand-written steps have NULL ``source_flow``/``source_node``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables import ENUM, ID, KEY, Base


class LibraryStepRow(Base):
    """One reusable step."""

    __tablename__ = "library_steps"
    __table_args__ = (
        Index("ux_library_steps_scope_slug", "scope", "slug", unique=True),
        Index("ux_library_steps_source", "scope", "source_flow", "source_node", unique=True),
        Index("ix_library_steps_visibility", "visibility"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str | None] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"), nullable=True)
    scope: Mapped[str] = mapped_column(ID)
    slug: Mapped[str] = mapped_column(KEY)
    title: Mapped[str]
    type: Mapped[str] = mapped_column(ENUM)
    content: Mapped[str] = mapped_column(default="")
    commands: Mapped[list[Any]]
    category: Mapped[str] = mapped_column(KEY, default="")
    tags: Mapped[list[Any]]
    visibility: Mapped[str] = mapped_column(ENUM)
    created_by: Mapped[str] = mapped_column(ID, default="")
    created_by_name: Mapped[str] = mapped_column(default="")
    source_flow: Mapped[str | None] = mapped_column(KEY)
    source_node: Mapped[str | None] = mapped_column(KEY)
    usage_count: Mapped[int] = mapped_column(default=0)
    up_count: Mapped[int] = mapped_column(default=0)
    down_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StepRatingRow(Base):
    """One person's rating (and short review) of a step: one row per step and user."""

    __tablename__ = "step_ratings"
    __table_args__ = (Index("ix_step_ratings_step_team", "step_id", "team_id", "at"),)
    step_id: Mapped[str] = mapped_column(ID, ForeignKey("library_steps.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = mapped_column(ID, ForeignKey("teams.id", ondelete="CASCADE"))
    user_name: Mapped[str] = mapped_column(default="")
    thumb: Mapped[str] = mapped_column(String(8))
    review: Mapped[str] = mapped_column(default="")
    session_id: Mapped[str] = mapped_column(ID, default="")
    at: Mapped[datetime]

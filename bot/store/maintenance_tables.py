"""The ``maintenance_runs`` table (migration 0012): one row per run of a maintenance flow.

Kept out of ``bot.store.tables`` (which is at its size limit); the class registers itself on the same
``Base.metadata`` when this module is imported (``bot.store`` and ``migrations/env.py`` import it).
``UNIQUE (schedule_id, fire_time)`` makes a fire create its run once (``schedule_id`` is NULL for a run started by
hand, and NULLs never clash); ``version`` is the optimistic-concurrency counter of ``save``; ``results`` holds the
per-target results as JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables import ENUM, ID, KEY, Base, team_fk


class MaintenanceRunRow(Base):
    """A maintenance run: its flow version, fire, card, deadline, status, results and ticket note."""

    __tablename__ = "maintenance_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fire_time", name="uq_maintenance_runs_schedule_fire"),
        Index("ix_maintenance_runs_team_created", "team_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    flow_key: Mapped[str] = mapped_column(KEY)
    flow_version: Mapped[int]
    flow_name: Mapped[str]
    schedule_id: Mapped[str | None] = mapped_column(ID)
    fire_time: Mapped[datetime]
    created_at: Mapped[datetime]
    deadline: Mapped[datetime]
    conversation: Mapped[dict[str, Any]]
    card_ref: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(ENUM)
    results: Mapped[list[Any]]
    version: Mapped[int]
    finished_at: Mapped[datetime | None]
    outbox_id: Mapped[str] = mapped_column(ID, default="")
    ticket: Mapped[int | None]
    started_by: Mapped[str] = mapped_column(default="")

"""The ``audit_log`` table (migration 0015): the append-only audit log of each team (``bot.engine.audit``).

Kept out of ``bot.store.tables`` (at its size limit); importing this module registers the table on the same
``Base.metadata``, which the SQL repository (so every unit of work) and ``migrations/env.py`` do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables import ENUM, KEY, Base, team_fk


class AuditRow(Base):
    """One audit entry: when, who, what, to what, and a small JSON detail."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_team_at", "team_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = team_fk(index=False)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(KEY)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(ENUM)
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

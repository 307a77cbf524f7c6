"""The ``escalations`` table (migration 0010): one row per time a session was escalated.

Kept out of ``bot.store.tables`` (which is at its size limit); the class registers itself on the same
``Base.metadata`` when this module is imported, which the SQL repository (so every unit of work) and
``migrations/env.py`` do. ``claimed_by`` is NULL until claimed: the claim is ``UPDATE … WHERE claimed_by IS NULL``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables import ENUM, ID, Base, session_fk, team_fk


class EscalationRow(Base):
    """An escalation: who, to whom, why, the package's ticket note, and the claim."""

    __tablename__ = "escalations"
    __table_args__ = (
        session_fk(),
        Index("ix_escalations_team_created", "team_id", "created_at"),
        Index("ix_escalations_session", "session_id"),
        Index("ix_escalations_outbox", "team_id", "outbox_id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    session_id: Mapped[str] = mapped_column(ID)
    escalated_by: Mapped[str] = mapped_column(ID)
    escalated_by_name: Mapped[str]
    created_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(default="")
    target_id: Mapped[str] = mapped_column(ID, default="")
    target_name: Mapped[str] = mapped_column(default="")
    package: Mapped[str] = mapped_column(ENUM)
    package_version: Mapped[int] = mapped_column(default=0)
    outbox_id: Mapped[str] = mapped_column(ID, default="")
    note_id: Mapped[str] = mapped_column(String(200), default="")
    claimed_by: Mapped[str | None] = mapped_column(ID)
    claimed_by_name: Mapped[str] = mapped_column(default="")
    claimed_at: Mapped[datetime | None]
    choice: Mapped[str] = mapped_column(ENUM, default="")
    first_action_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None]

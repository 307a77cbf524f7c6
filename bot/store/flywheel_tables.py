"""The knowledge flywheel's tables (migration 0013): proposal details and flywheel runs (``bot.engine.flywheel``).

Kept out of ``bot.store.tables`` (at its size limit). ``flow_proposal_details`` extends ``flow_proposals`` one-to-one
with what the flywheel and the review add (evidence, signature, review); ``flywheel_runs`` keeps each run and its
watermark. Also the index the flywheel reads resolved sessions by. Importing this module registers all three on the
same ``Base.metadata``; ``bot.store`` imports it, and so does ``migrations/env.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, Integer, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables import ENUM, ID, KEY, Base, SessionRow, team_fk


class FlowProposalDetailRow(Base):
    """A proposal's evidence, signature and review (absent for a proposal nobody reviewed or grouped yet)."""

    __tablename__ = "flow_proposal_details"
    __table_args__ = (UniqueConstraint("team_id", "signature"),)
    proposal_id: Mapped[str] = mapped_column(ID, ForeignKey("flow_proposals.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    signature: Mapped[str] = mapped_column(KEY)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    base_version: Mapped[int] = mapped_column(Integer, default=0)
    node_id: Mapped[str] = mapped_column(KEY, default="")
    tier: Mapped[str] = mapped_column(ENUM, default="")
    decided_by: Mapped[str] = mapped_column(ID, default="")
    decided_by_name: Mapped[str] = mapped_column(default="")
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(default="")
    published_version: Mapped[int] = mapped_column(Integer, default=0)


class FlywheelRunRow(Base):
    """One flywheel run: when, why, what it read and wrote, and the watermark the next run starts after."""

    __tablename__ = "flywheel_runs"
    __table_args__ = (Index("ix_flywheel_runs_team_ran", "team_id", "ran_at"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    ran_at: Mapped[datetime]
    watermark: Mapped[datetime | None]
    trigger: Mapped[str] = mapped_column(ENUM)  # "nightly" | "manual"
    requested_by: Mapped[str] = mapped_column(ID, default="")
    sessions_read: Mapped[int] = mapped_column(Integer, default=0)
    groups: Mapped[int] = mapped_column(Integer, default=0)
    proposals_new: Mapped[int] = mapped_column(Integer, default=0)
    proposals_updated: Mapped[int] = mapped_column(Integer, default=0)


_SESSIONS = cast(Table, SessionRow.__table__)
SESSIONS_ENDED = Index("ix_sessions_team_ended", _SESSIONS.c.team_id, _SESSIONS.c.status, _SESSIONS.c.ended_at)
"""Resolved sessions of a team in the order they ended (what the flywheel reads after its watermark)."""

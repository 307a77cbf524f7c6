"""The ``share_links`` and ``share_views`` tables (migration 0014): shared links to sessions and their view log.

Kept out of ``bot.store.tables`` (at its size limit); importing this module registers both tables on the same
``Base.metadata``, which ``bot.store`` (so every unit of work) and ``migrations/env.py`` do. A public link's token
is never stored, only its SHA-256 (``token_hash``, unique; NULL for team links, whose signed links are not stored).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables import ENUM, ID, Base, session_fk, team_fk


class ShareLinkRow(Base):
    """A shared link: its session, scope, maker, expiry, revocation and view counter."""

    __tablename__ = "share_links"
    __table_args__ = (
        session_fk(),
        Index("ix_share_links_team_session", "team_id", "session_id", "created_at"),
        Index("ux_share_links_token_hash", "token_hash", unique=True),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_id: Mapped[str] = team_fk(index=False)
    session_id: Mapped[str] = mapped_column(ID)
    scope: Mapped[str] = mapped_column(ENUM)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(ID)
    created_by_name: Mapped[str]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str] = mapped_column(ID, default="")
    views: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[datetime | None]


class ShareViewRow(Base):
    """One view of a shared page (the newest ``VIEW_LOG_LIMIT`` per link are kept)."""

    __tablename__ = "share_views"
    __table_args__ = (Index("ix_share_views_link_at", "link_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    link_id: Mapped[str] = mapped_column(ID, ForeignKey("share_links.id", ondelete="CASCADE"))
    team_id: Mapped[str] = team_fk(index=False)
    at: Mapped[datetime]
    viewer: Mapped[str] = mapped_column(String(200), default="")

"""The indexes the idle sweep's queries use (migration 0011), declared on the core tables' metadata.

``ix_sessions_idle`` (``team_id, status, updated_at``) finds a team's open sessions that have not changed since a
cut-off, oldest first; ``ix_session_timeline_kind`` (``session_id, kind, seq``) answers "the latest ``paused`` entry
of this session, and is there a ``nudged`` entry after it" from the index alone. Kept out of ``bot.store.tables``
(at its size limit); importing ``bot.store`` registers them (and ``migrations/env.py`` imports this module).
"""

from __future__ import annotations

from sqlalchemy import Index

from bot.store.tables import SessionRow, TimelineRow

SESSIONS_IDLE = Index(
    "ix_sessions_idle",
    SessionRow.__table__.c.team_id,
    SessionRow.__table__.c.status,
    SessionRow.__table__.c.updated_at,
)
TIMELINE_KIND = Index(
    "ix_session_timeline_kind",
    TimelineRow.__table__.c.session_id,
    TimelineRow.__table__.c.kind,
    TimelineRow.__table__.c.seq,
)

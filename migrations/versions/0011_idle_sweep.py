"""The idle sweep's indexes: a team's open sessions by status and last update, and timeline entries by kind.

``ix_sessions_idle`` serves "open sessions of this team not updated since …, oldest first";
``ix_session_timeline_kind`` serves "this session's latest ``paused`` entry, and any ``nudged`` entry after it".
Team settings (``pause_nudge_hours``, ``idle_abandon_days``, ``timezone`` …) stay in ``account_settings.prefs``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sessions_idle", "sessions", ["team_id", "status", "updated_at"])
    op.create_index("ix_session_timeline_kind", "session_timeline", ["session_id", "kind", "seq"])


def downgrade() -> None:
    op.drop_index("ix_session_timeline_kind", table_name="session_timeline")
    op.drop_index("ix_sessions_idle", table_name="sessions")

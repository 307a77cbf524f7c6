"""The idle sweep's queries (``bot.engine.idle.IdleSessions``): per team, oldest first, bounded, indexed.

``paused_unnudged`` decides "already nudged for this pause" in SQL: a ``nudged`` timeline entry whose ``seq`` is
above the session's latest ``paused`` entry's (0 when it has none). ``seq`` orders entries exactly, where two
timestamps could tie; those subqueries read ``ix_session_timeline_kind``. ``inactive`` also leaves out a session
with a timeline entry after the cut-off (a note typed in its thread does not change the session row), read through
the timeline's ``(session_id, seq)`` key. The outer scans read ``ix_sessions_idle``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select

from bot.engine.idle import NOT_ACTIVITY, PausedSession
from bot.engine.model import Session, SessionStatus, TimelineKind
from bot.store import idle_sweep_indexes  # noqa: F401  (the indexes these queries rely on)
from bot.store.mapping import session_from_row
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import SessionRow, TimelineRow

SESSIONS, TIMELINE = table_of(SessionRow), table_of(TimelineRow)
OPEN = (SessionStatus.ACTIVE.value, SessionStatus.PAUSED.value)
_PAUSES, _NUDGES = TIMELINE.alias("pauses"), TIMELINE.alias("nudges")
_STALE = (SESSIONS.c.team_id == bindparam("b_team"), SESSIONS.c.updated_at <= bindparam("b_before"))
_ORDER = (SESSIONS.c.updated_at, SESSIONS.c.id)

_RECENT = TIMELINE.alias("recent")
_ACTIVE_SINCE = (  # a timeline entry (a note, an answer) after the cut-off: someone is still at it
    select(_RECENT.c.id)
    .where(
        _RECENT.c.session_id == SESSIONS.c.id,
        _RECENT.c.at > bindparam("b_before"),
        _RECENT.c.kind.not_in([k.value for k in NOT_ACTIVITY]),
    )
    .exists()
)
INACTIVE = (
    select(SESSIONS)
    .where(*_STALE, SESSIONS.c.status.in_(OPEN), ~_ACTIVE_SINCE)
    .order_by(*_ORDER)
    .limit(bindparam("b_limit"))
)
_LATER = TIMELINE.alias("later")
_LAST_PAUSE = (  # of the nudge's session (correlated to the enclosing ``nudges``)
    select(func.coalesce(func.max(_LATER.c.seq), 0))
    .where(_LATER.c.session_id == _NUDGES.c.session_id, _LATER.c.kind == TimelineKind.PAUSED.value)
    .scalar_subquery()
)
_PAUSED_AT = (
    select(func.max(_PAUSES.c.at))
    .where(_PAUSES.c.session_id == SESSIONS.c.id, _PAUSES.c.kind == TimelineKind.PAUSED.value)
    .scalar_subquery()
)
_NUDGED = (
    select(_NUDGES.c.id)
    .where(
        _NUDGES.c.session_id == SESSIONS.c.id,
        _NUDGES.c.kind == TimelineKind.NUDGED.value,
        _NUDGES.c.seq > _LAST_PAUSE,
    )
    .exists()
)
PAUSED_UNNUDGED = (
    select(SESSIONS, _PAUSED_AT.label("paused_at"))
    .where(*_STALE, SESSIONS.c.status == SessionStatus.PAUSED.value, ~_NUDGED)
    .order_by(*_ORDER)
    .limit(bindparam("b_limit"))
)


class SqlIdleSessions(SqlRepository):
    """``IdleSessions`` over ``sessions`` and ``session_timeline``."""

    async def inactive(self, team_id: str, before: datetime, limit: int) -> Sequence[Session]:
        """Open sessions of the team with no activity after ``before``, oldest first."""
        rows = await self.all(INACTIVE, {"b_team": team_id, "b_before": before, "b_limit": limit})
        return [session_from_row(row) for row in rows]

    async def paused_unnudged(self, team_id: str, before: datetime, limit: int) -> Sequence[PausedSession]:
        """Paused sessions of the team last updated at or before ``before`` not nudged since their latest pause."""
        rows = await self.all(PAUSED_UNNUDGED, {"b_team": team_id, "b_before": before, "b_limit": limit})
        return [PausedSession(session_from_row(row), row.paused_at) for row in rows]

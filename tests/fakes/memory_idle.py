"""The in-memory idle-sweep queries (part of ``tests.fakes.memory_store``): the SQL store's semantics over lists."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.engine.idle import NOT_ACTIVITY, PausedSession
from bot.engine.model import Session, SessionStatus, TimelineKind


class IdleSweepQueries:
    """The fake ``IdleSessions``; ``calls`` counts the queries (to check a sweep's work is bounded)."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow
        self.calls = 0

    @property
    def s(self) -> Any:
        return self._uow.state

    def _stale(self, team_id: str, before: datetime, statuses: tuple[SessionStatus, ...]) -> list[Session]:
        found = [
            s
            for s in self.s.sessions.values()
            if s.team_id == team_id and s.status in statuses and s.updated_at <= before
        ]
        return sorted(found, key=lambda s: (s.updated_at, s.id))

    async def inactive(self, team_id: str, before: datetime, limit: int) -> Sequence[Session]:
        self.calls += 1
        found = [
            s
            for s in self._stale(team_id, before, (SessionStatus.ACTIVE, SessionStatus.PAUSED))
            if not any(t.session_id == s.id and t.at > before and t.kind not in NOT_ACTIVITY for t in self.s.timeline)
        ]
        return [copy.deepcopy(s) for s in found[:limit]]

    async def paused_unnudged(self, team_id: str, before: datetime, limit: int) -> Sequence[PausedSession]:
        self.calls += 1
        out: list[PausedSession] = []
        for session in self._stale(team_id, before, (SessionStatus.PAUSED,)):
            entries = [t for t in self.s.timeline if t.session_id == session.id]
            pauses = [t for t in entries if t.kind is TimelineKind.PAUSED]
            since = max((t.seq for t in pauses), default=0)
            if any(t.kind is TimelineKind.NUDGED and t.seq > since for t in entries):
                continue
            paused_at = max((t.at for t in pauses), default=None)
            out.append(PausedSession(copy.deepcopy(session), paused_at))
            if len(out) == limit:
                break
        return out

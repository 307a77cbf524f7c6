"""The in-memory escalations repository (part of ``tests.fakes.memory_store``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.engine.escalation.records import Escalation


class Escalations:
    """The fake ``EscalationRepository``: ``claim`` is conditional on the unit of work's copy of the state."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    @property
    def s(self) -> Any:
        return self._uow.state

    async def add(self, escalation: Escalation) -> None:
        self.s.escalations[escalation.id] = copy.deepcopy(escalation)

    async def get(self, team_id: str, escalation_id: str) -> Escalation | None:
        found = self.s.escalations.get(escalation_id)
        return copy.deepcopy(found) if found and found.team_id == team_id else None

    async def latest_for_session(self, team_id: str, session_id: str) -> Escalation | None:
        found = [e for e in self.s.escalations.values() if e.team_id == team_id and e.session_id == session_id]
        return copy.deepcopy(max(found, key=lambda e: (e.created_at, e.id))) if found else None

    async def by_outbox(self, team_id: str, outbox_id: str) -> Escalation | None:
        found = [
            e for e in self.s.escalations.values() if e.team_id == team_id and outbox_id and e.outbox_id == outbox_id
        ]
        return copy.deepcopy(found[0]) if found else None

    async def claim(self, team_id: str, escalation_id: str, user_id: str, user_name: str, at: datetime) -> bool:
        found = self.s.escalations.get(escalation_id)
        if found is None or found.team_id != team_id or found.claimed_by:
            return False
        found.claimed_by, found.claimed_by_name, found.claimed_at = user_id, user_name, at
        return True

    async def update(self, escalation: Escalation) -> None:
        stored = self.s.escalations.get(escalation.id)
        if stored is None or stored.team_id != escalation.team_id:
            return
        claim = (stored.claimed_by, stored.claimed_by_name, stored.claimed_at)
        self.s.escalations[escalation.id] = copy.deepcopy(escalation)
        kept = self.s.escalations[escalation.id]
        kept.claimed_by, kept.claimed_by_name, kept.claimed_at = claim

    async def since(self, team_id: str, since: datetime) -> Sequence[Escalation]:
        found = [e for e in self.s.escalations.values() if e.team_id == team_id and e.created_at >= since]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: (e.created_at, e.id))]

"""The in-memory audit log (part of ``tests.fakes.memory_store``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.engine.audit import AuditEntry


class AuditLog:
    """The fake ``AuditRepository``: entries live in the unit of work's copy of the state."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    async def add(self, entry: AuditEntry) -> None:
        self._uow.state.audit.append(dataclasses.replace(entry, id=len(self._uow.state.audit) + 1))

    async def recent(
        self, team_id: str, limit: int = 20, action: str = "", before: datetime | None = None
    ) -> Sequence[AuditEntry]:
        found = [
            e
            for e in self._uow.state.audit
            if e.team_id == team_id and e.action.startswith(action) and (before is None or e.at < before)
        ]
        return sorted(found, key=lambda e: (e.at, e.id), reverse=True)[: max(1, min(limit, 500))]

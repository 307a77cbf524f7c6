"""The audit log (``bot.engine.audit.AuditRepository``) over ``audit_log``; every query is scoped by team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select

from bot.engine.audit import AuditEntry
from bot.store.audit_tables import AuditRow
from bot.store.repositories.base import SqlRepository, table_of

AUDIT = table_of(AuditRow)
INSERT = insert(AUDIT)


class SqlAudit(SqlRepository):
    """Append and page through a team's audit entries (newest first, by time then id)."""

    async def add(self, entry: AuditEntry) -> None:
        """Append ``entry`` in the unit of work's transaction."""
        await self.run(
            INSERT,
            {
                "team_id": entry.team_id,
                "at": entry.at,
                "actor_id": entry.actor_id,
                "actor_name": entry.actor_name,
                "action": entry.action,
                "target": entry.target,
                "detail": dict(entry.detail),
            },
        )

    async def recent(
        self, team_id: str, limit: int = 20, action: str = "", before: datetime | None = None
    ) -> Sequence[AuditEntry]:
        """The team's newest entries (``action``: a prefix of the action; ``before``: older than this time)."""
        stmt = select(AUDIT).where(AUDIT.c.team_id == bindparam("b_team"))
        params: dict[str, object] = {"b_team": team_id}
        if action:
            stmt = stmt.where(AUDIT.c.action.startswith(action, autoescape=True))
        if before is not None:
            stmt = stmt.where(AUDIT.c.at < bindparam("b_before"))
            params["b_before"] = before
        stmt = stmt.order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc()).limit(max(1, min(limit, 500)))
        rows = (await self.run(stmt, params)).all()
        return [
            AuditEntry(r.team_id, r.at, r.actor_id, r.actor_name, r.action, r.target, dict(r.detail or {}), r.id)
            for r in rows
        ]

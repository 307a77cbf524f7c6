"""Per-team JSON preferences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import AccountSettingsRow

SETTINGS = table_of(AccountSettingsRow)
GET = select(SETTINGS.c.prefs).where(SETTINGS.c.team_id == bindparam("b_team"))
LOCK = GET.with_for_update()
WRITE = update(SETTINGS).where(SETTINGS.c.team_id == bindparam("b_team"))


class SqlSettings(SqlRepository):
    """``SettingsRepository`` over ``account_settings``; a team's row is created on its first write."""

    async def get(self, team_id: str) -> dict[str, Any]:
        """The team's preferences ({} if never written)."""
        row = await self.first(GET, {"b_team": team_id})
        return dict(row.prefs) if row else {}

    async def put(self, team_id: str, values: dict[str, Any]) -> None:
        """Merge ``values`` into the team's preferences.

        The row is created with ``INSERT … ON CONFLICT DO NOTHING`` and then read ``FOR UPDATE`` (PostgreSQL), so
        two concurrent first writes neither collide nor lose each other's keys.
        """
        now = datetime.now(UTC)
        await self.run(self.insert_ignoring_conflicts(SETTINGS, team_id=team_id, prefs={}, updated_at=now))
        row = await self.first(LOCK if self.dialect == "postgresql" else GET, {"b_team": team_id})
        merged = {**(row.prefs if row else {}), **values}
        await self.run(WRITE, {"b_team": team_id, "prefs": merged, "updated_at": now})

    async def remove(self, team_id: str, keys: Sequence[str]) -> None:
        """Drop ``keys`` from the team's preferences (nothing to do for a team that never wrote any); the row is read
        ``FOR UPDATE`` on PostgreSQL like ``put``, so a concurrent write is not lost."""
        row = await self.first(LOCK if self.dialect == "postgresql" else GET, {"b_team": team_id})
        if row is None or not any(key in row.prefs for key in keys):
            return
        kept = {k: v for k, v in row.prefs.items() if k not in keys}
        await self.run(WRITE, {"b_team": team_id, "prefs": kept, "updated_at": datetime.now(UTC)})

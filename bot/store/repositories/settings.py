"""Per-team JSON preferences."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from bot.store.repositories.base import SqlRepository
from bot.store.tables import AccountSettingsRow


class SqlSettings(SqlRepository):
    """``SettingsRepository`` over ``account_settings``; a team's row is created on its first write."""

    async def get(self, team_id: str) -> dict[str, Any]:
        """The team's preferences ({} if never written)."""
        row = await self.first(select(AccountSettingsRow).where(AccountSettingsRow.team_id == team_id))
        return dict(row.prefs) if row else {}

    async def put(self, team_id: str, values: dict[str, Any]) -> None:
        """Merge ``values`` into the team's preferences.

        The row is created with ``INSERT … ON CONFLICT DO NOTHING`` and then read ``FOR UPDATE`` (PostgreSQL), so
        two concurrent first writes neither collide nor lose each other's keys.
        """
        now = datetime.now(UTC)
        await self._s.execute(
            self.insert_ignoring_conflicts(AccountSettingsRow, team_id=team_id, prefs={}, updated_at=now)
        )
        stmt = select(AccountSettingsRow).where(AccountSettingsRow.team_id == team_id)
        if self.dialect == "postgresql":
            stmt = stmt.with_for_update()
        row = await self.first(stmt)
        merged = {**(row.prefs if row else {}), **values}
        await self._s.execute(
            update(AccountSettingsRow)
            .where(AccountSettingsRow.team_id == team_id)
            .values(prefs=merged, updated_at=now)
            .execution_options(synchronize_session=False)
        )

"""The intake's write on N replicas: insert an inbox row already claimed by this replica, in one statement.

``SqlInboxClaimer.append_claimed`` is the ack path of ``bot.jobs.intake.Intake`` when the composition root gives
it one: a single autocommitted statement (``inbox_claims.claiming_insert`` on PostgreSQL) that leases the event's
lane for this replica when it is free or already ours, adopts the lane's orphaned rows, inserts the row claimed
(or not) and NOTIFYs the other replicas. No extra round trip compared with a plain INSERT. On SQLite (one
process) it is the plain insert and the row is always ours.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.repositories import inbox_claims
from bot.store.repositories.inbox import SqlInbox, inbox_values

CLAIMING_INSERT = inbox_claims.claiming_insert()


class SqlInboxClaimer:
    """``bot.jobs.intake.ClaimingAppender`` over ``engine`` for the worker named ``owner``."""

    def __init__(self, engine: AsyncEngine, owner: str, lease_seconds: float = 30.0, max_attempts: int = 5) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._postgres = engine.dialect.name == "postgresql"
        self.owner = owner
        self._lease = timedelta(seconds=lease_seconds)
        self._max = max_attempts

    async def append_claimed(
        self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime
    ) -> tuple[int, bool] | None:
        """Insert the event; ``(id, handed)`` where ``handed`` says the row is this replica's to run now (its lane
        is ours and nothing older of the lane had to be adopted), or None when the key was seen before."""
        async with self._engine.connect() as connection:
            if not self._postgres:
                item_id = await SqlInbox(connection).append(team_id, dedupe_key, kind, payload, at)
                return None if item_id is None else (item_id, True)
            binds = {
                **inbox_values(team_id, dedupe_key, kind, payload, at),
                "b_owner": self.owner,
                "b_until": at + self._lease,
                "b_max": self._max,
            }
            row = (await connection.execute(CLAIMING_INSERT, binds)).first()
        if row is None:
            return None
        return int(row[0]), row[1] == self.owner and not row[2]

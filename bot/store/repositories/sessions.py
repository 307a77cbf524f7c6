"""Sessions and what hangs off them: the timeline, facts and suggested fixes.

Concurrency:

* ``save`` is optimistic: ``UPDATE … WHERE id AND team_id AND state_version = expected``; no row -> stale.
* ``append_timeline`` numbers entries 1, 2, 3 … per session. On PostgreSQL the session row is locked first
  (``SELECT … FOR UPDATE``), so concurrent appends to one session queue up; on both databases ``seq`` is computed
  inside the ``INSERT`` itself (``VALUES (…, (SELECT coalesce(max(seq), 0) + 1 …))``). SQLite runs one writer at a
  time and the statement reads under its write lock, so it needs no row lock. ``UNIQUE (session_id, seq)`` backs
  both up: a mistake fails loudly rather than duplicating a number.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select, update

from bot.engine.model import Fact, Session, SessionStatus, SuggestedFix, TimelineEntry
from bot.engine.ports import StaleSessionError
from bot.store.mapping import (
    fact_from_row,
    fact_values,
    fix_from_row,
    fix_values,
    session_from_row,
    session_values,
    timeline_from_row,
    timeline_values,
)
from bot.store.repositories.base import SqlRepository
from bot.store.tables import FactRow, SessionRow, SuggestedFixRow, TimelineRow

OPEN = (SessionStatus.ACTIVE.value, SessionStatus.PAUSED.value)


class SqlSessions(SqlRepository):
    """``SessionRepository``; every query is scoped by team."""

    async def add(self, session: Session) -> None:
        """Insert a new session."""
        await self._s.execute(insert(SessionRow).values(**session_values(session)))

    async def get(self, team_id: str, session_id: str) -> Session | None:
        """A session by id, within the team."""
        row = await self.first(select(SessionRow).where(SessionRow.id == session_id, SessionRow.team_id == team_id))
        return session_from_row(row) if row else None

    async def save(self, session: Session, expected_version: int) -> None:
        """Write the session if its stored ``state_version`` is still ``expected_version``.

        Raises ``StaleSessionError`` otherwise (someone else saved it first, or it is not in this team).
        """
        values = session_values(session)
        del values["id"], values["team_id"]
        stmt = (
            update(SessionRow)
            .where(
                SessionRow.id == session.id,
                SessionRow.team_id == session.team_id,
                SessionRow.state_version == expected_version,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = await self._s.execute(stmt)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleSessionError(f"session {session.id} is no longer at version {expected_version}")

    async def open_in_conversation(self, team_id: str, conversation_key: str) -> Session | None:
        """The newest active or paused session of this conversation."""
        stmt = (
            select(SessionRow)
            .where(
                SessionRow.team_id == team_id,
                SessionRow.conversation_key == conversation_key,
                SessionRow.status.in_(OPEN),
            )
            .order_by(SessionRow.updated_at.desc(), SessionRow.started_at.desc(), SessionRow.id.desc())
        )
        row = await self.first(stmt)
        return session_from_row(row) if row else None

    async def for_engineer(
        self, team_id: str, engineer_id: str, statuses: Sequence[SessionStatus], limit: int = 20
    ) -> Sequence[Session]:
        """The engineer's sessions in these statuses, most recently updated first."""
        stmt = (
            select(SessionRow)
            .where(
                SessionRow.team_id == team_id,
                SessionRow.engineer_id == engineer_id,
                SessionRow.status.in_([s.value for s in statuses]),
            )
            .order_by(SessionRow.updated_at.desc(), SessionRow.id.desc())
            .limit(limit)
        )
        return [session_from_row(r) for r in await self.all(stmt)]

    async def append_timeline(self, entry: TimelineEntry) -> None:
        """Append one entry and set ``entry.seq`` to its number; ``LookupError`` if the team has no such session."""
        lock = select(SessionRow.id).where(SessionRow.id == entry.session_id, SessionRow.team_id == entry.team_id)
        if self.dialect == "postgresql":
            lock = lock.with_for_update()
        if (await self._s.execute(lock)).scalar_one_or_none() is None:
            raise LookupError(f"no session {entry.session_id} in team {entry.team_id}")
        next_seq = (
            select(func.coalesce(func.max(TimelineRow.seq), 0) + 1)
            .where(TimelineRow.session_id == entry.session_id)
            .scalar_subquery()
        )
        stmt = insert(TimelineRow).values(**timeline_values(entry), seq=next_seq).returning(TimelineRow.seq)
        entry.seq = int((await self._s.execute(stmt)).scalar_one())

    async def timeline(self, team_id: str, session_id: str) -> Sequence[TimelineEntry]:
        """The session's timeline in ``seq`` order."""
        stmt = (
            select(TimelineRow)
            .where(TimelineRow.team_id == team_id, TimelineRow.session_id == session_id)
            .order_by(TimelineRow.seq)
        )
        return [timeline_from_row(r) for r in await self.all(stmt)]

    async def add_fact(self, fact: Fact) -> None:
        """Insert a fact."""
        await self._s.execute(insert(FactRow).values(**fact_values(fact)))

    async def facts(self, team_id: str, session_id: str) -> Sequence[Fact]:
        """Facts not soft-deleted, oldest first."""
        stmt = (
            select(FactRow)
            .where(FactRow.team_id == team_id, FactRow.session_id == session_id, FactRow.deleted_at.is_(None))
            .order_by(FactRow.created_at, FactRow.id)
        )
        return [fact_from_row(r) for r in await self.all(stmt)]

    async def add_fix(self, fix: SuggestedFix) -> None:
        """Insert a suggested fix."""
        await self._s.execute(insert(SuggestedFixRow).values(**fix_values(fix)))

    async def update_fix(self, fix: SuggestedFix) -> None:
        """Save a fix's decision, outcome and supersession; ``LookupError`` if the team has no such fix."""
        values = fix_values(fix)
        del values["id"], values["team_id"], values["session_id"], values["created_at"]
        result = await self._s.execute(
            update(SuggestedFixRow)
            .where(SuggestedFixRow.id == fix.id, SuggestedFixRow.team_id == fix.team_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LookupError(f"no suggested fix {fix.id} in team {fix.team_id}")

    async def fixes(self, team_id: str, session_id: str) -> Sequence[SuggestedFix]:
        """All fixes of the session, oldest first."""
        stmt = (
            select(SuggestedFixRow)
            .where(SuggestedFixRow.team_id == team_id, SuggestedFixRow.session_id == session_id)
            .order_by(SuggestedFixRow.created_at, SuggestedFixRow.id)
        )
        return [fix_from_row(r) for r in await self.all(stmt)]

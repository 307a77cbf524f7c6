"""Sessions, their timeline, facts and suggested fixes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select, update

from bot.engine.model import Fact, Session, SessionStatus, SuggestedFix, TimelineEntry
from bot.engine.ports import StaleSessionError
from bot.store.mapping import (
    fact_from_row,
    fix_from_row,
    fix_values,
    session_from_row,
    session_values,
    timeline_from_row,
)
from bot.store.repositories.base import SqlRepository
from bot.store.tables import FactRow, SessionRow, SuggestedFixRow, TimelineRow

OPEN = (SessionStatus.ACTIVE.value, SessionStatus.PAUSED.value)


class SqlSessions(SqlRepository):
    """Sessions and everything that hangs off them; every query is scoped by team."""

    async def add(self, session: Session) -> None:
        """Insert a new session."""
        await self._s.execute(insert(SessionRow).values(**session_values(session)))

    async def get(self, team_id: str, session_id: str) -> Session | None:
        """A session by id, within the team."""
        stmt = select(SessionRow).where(SessionRow.id == session_id, SessionRow.team_id == team_id)
        row = (await self._s.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()
        return session_from_row(row) if row else None

    async def save(self, session: Session, expected_version: int) -> None:
        """Optimistic write: only if the stored state_version is still ``expected_version``."""
        values = session_values(session)
        values.pop("id")
        values.pop("team_id")
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
            raise StaleSessionError(f"session {session.id} changed since version {expected_version}")

    async def open_in_conversation(self, team_id: str, conversation_key: str) -> Session | None:
        """The active or paused session of this conversation, newest first."""
        stmt = (
            select(SessionRow)
            .where(
                SessionRow.team_id == team_id,
                SessionRow.conversation_key == conversation_key,
                SessionRow.status.in_(OPEN),
            )
            .order_by(SessionRow.updated_at.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
        row = (await self._s.execute(stmt)).scalar_one_or_none()
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
            .order_by(SessionRow.updated_at.desc())
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [session_from_row(r) for r in (await self._s.execute(stmt)).scalars()]

    async def append_timeline(self, entry: TimelineEntry) -> None:
        """Append with the next ``seq``. The session row is locked first (PostgreSQL), so concurrent appends to
        one session queue up instead of colliding on (session_id, seq)."""
        lock = select(SessionRow.id).where(SessionRow.id == entry.session_id, SessionRow.team_id == entry.team_id)
        if self.dialect == "postgresql":
            lock = lock.with_for_update()
        if (await self._s.execute(lock)).scalar_one_or_none() is None:
            raise LookupError(f"no session {entry.session_id} in team {entry.team_id}")
        seq_stmt = select(func.coalesce(func.max(TimelineRow.seq), 0)).where(TimelineRow.session_id == entry.session_id)
        entry.seq = int((await self._s.execute(seq_stmt)).scalar_one()) + 1
        await self._s.execute(
            insert(TimelineRow).values(
                id=entry.id,
                team_id=entry.team_id,
                session_id=entry.session_id,
                seq=entry.seq,
                at=entry.at,
                kind=entry.kind.value,
                actor_id=entry.actor_id,
                actor_name=entry.actor_name,
                node_id=entry.node_id,
                title=entry.title,
                answer=entry.answer,
                detail=dict(entry.detail),
            )
        )

    async def timeline(self, team_id: str, session_id: str) -> Sequence[TimelineEntry]:
        """The session's timeline in order."""
        stmt = (
            select(TimelineRow)
            .where(TimelineRow.team_id == team_id, TimelineRow.session_id == session_id)
            .order_by(TimelineRow.seq)
        )
        return [timeline_from_row(r) for r in (await self._s.execute(stmt)).scalars()]

    async def add_fact(self, fact: Fact) -> None:
        """Insert a fact."""
        await self._s.execute(
            insert(FactRow).values(
                id=fact.id,
                team_id=fact.team_id,
                session_id=fact.session_id,
                text=fact.text,
                summary=fact.summary,
                source=fact.source.value,
                source_ref=fact.source_ref,
                created_at=fact.created_at,
                deleted_at=fact.deleted_at,
            )
        )

    async def facts(self, team_id: str, session_id: str) -> Sequence[Fact]:
        """Facts not soft-deleted, oldest first."""
        stmt = (
            select(FactRow)
            .where(FactRow.team_id == team_id, FactRow.session_id == session_id, FactRow.deleted_at.is_(None))
            .order_by(FactRow.created_at, FactRow.id)
        )
        return [fact_from_row(r) for r in (await self._s.execute(stmt)).scalars()]

    async def add_fix(self, fix: SuggestedFix) -> None:
        """Insert a suggested fix."""
        await self._s.execute(insert(SuggestedFixRow).values(**fix_values(fix)))

    async def update_fix(self, fix: SuggestedFix) -> None:
        """Save a fix's decision, outcome and supersession."""
        values = fix_values(fix)
        values.pop("id")
        values.pop("team_id")
        await self._s.execute(
            update(SuggestedFixRow)
            .where(SuggestedFixRow.id == fix.id, SuggestedFixRow.team_id == fix.team_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def fixes(self, team_id: str, session_id: str) -> Sequence[SuggestedFix]:
        """All fixes of the session, oldest first."""
        stmt = (
            select(SuggestedFixRow)
            .where(SuggestedFixRow.team_id == team_id, SuggestedFixRow.session_id == session_id)
            .order_by(SuggestedFixRow.created_at, SuggestedFixRow.id)
        )
        return [fix_from_row(r) for r in (await self._s.execute(stmt)).scalars()]

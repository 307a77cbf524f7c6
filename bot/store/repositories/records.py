"""Notes, the inbox and the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.engine.model import Note, OutboxItem
from bot.store.mapping import note_from_row, outbox_from_row
from bot.store.repositories.base import SqlRepository
from bot.store.tables import InboxRow, NoteRow, OutboxRow


class SqlNotes(SqlRepository):
    """Rendered documents."""

    async def add(self, note: Note) -> None:
        """Insert a note."""
        await self._s.execute(
            insert(NoteRow).values(
                id=note.id,
                team_id=note.team_id,
                session_id=note.session_id,
                kind=note.kind.value,
                format=note.format,
                body=note.body,
                redactions=dict(note.redactions),
                external_id=note.external_id,
                created_at=note.created_at,
                posted_at=note.posted_at,
            )
        )

    async def for_session(self, team_id: str, session_id: str) -> Sequence[Note]:
        """All notes of a session, oldest first."""
        stmt = (
            select(NoteRow)
            .where(NoteRow.team_id == team_id, NoteRow.session_id == session_id)
            .order_by(NoteRow.created_at, NoteRow.id)
        )
        return [note_from_row(r) for r in (await self._s.execute(stmt)).scalars()]


class SqlInbox(SqlRepository):
    """Inbound events; the (team, dedupe key) pair is unique, and a duplicate is skipped without an error."""

    async def add(self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> bool:
        """Insert; False when this key was seen before (nothing written, transaction intact)."""
        builder = pg_insert if self.dialect == "postgresql" else sqlite_insert
        stmt = builder(InboxRow).values(
            team_id=team_id,
            dedupe_key=dedupe_key,
            kind=kind,
            payload=payload,
            received_at=at,
            attempts=0,
            last_error="",
        )
        guarded = stmt.on_conflict_do_nothing(index_elements=["team_id", "dedupe_key"]).returning(InboxRow.id)
        return (await self._s.execute(guarded)).first() is not None


class SqlOutbox(SqlRepository):
    """Outside effects waiting for delivery."""

    async def add(self, item: OutboxItem) -> None:
        """Queue an effect (the idempotency key is unique per team)."""
        await self._s.execute(
            insert(OutboxRow).values(
                id=item.id,
                team_id=item.team_id,
                kind=item.kind,
                payload=dict(item.payload),
                idempotency_key=item.idempotency_key,
                status=item.status,
                attempts=item.attempts,
                next_attempt_at=item.next_attempt_at,
                last_error=item.last_error,
                created_at=item.created_at,
            )
        )

    async def pending(self, limit: int = 50) -> Sequence[OutboxItem]:
        """Items due for delivery, oldest first."""
        now = datetime.now(UTC)
        stmt = (
            select(OutboxRow)
            .where(
                OutboxRow.status == "pending",
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
            )
            .order_by(OutboxRow.created_at, OutboxRow.id)
            .limit(limit)
        )
        return [outbox_from_row(r) for r in (await self._s.execute(stmt)).scalars()]

"""Rendered documents."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select

from bot.engine.model import Note
from bot.store.mapping import note_from_row, note_values
from bot.store.repositories.base import SqlRepository
from bot.store.tables import NoteRow


class SqlNotes(SqlRepository):
    """``NoteRepository`` over ``notes``."""

    async def add(self, note: Note) -> None:
        """Insert a note (its session must belong to the same team)."""
        await self._s.execute(insert(NoteRow).values(**note_values(note)))

    async def for_session(self, team_id: str, session_id: str) -> Sequence[Note]:
        """All notes of a session, oldest first."""
        stmt = (
            select(NoteRow)
            .where(NoteRow.team_id == team_id, NoteRow.session_id == session_id)
            .order_by(NoteRow.created_at, NoteRow.id)
        )
        return [note_from_row(r) for r in await self.all(stmt)]

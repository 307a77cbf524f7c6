"""Rendered documents."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, insert, select

from bot.engine.model import Note
from bot.store.mapping import note_from_row, note_values
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import NoteRow

NOTES = table_of(NoteRow)
INSERT = insert(NOTES)
FOR_SESSION = (
    select(NOTES)
    .where(NOTES.c.team_id == bindparam("b_team"), NOTES.c.session_id == bindparam("b_session"))
    .order_by(NOTES.c.created_at, NOTES.c.id)
)


class SqlNotes(SqlRepository):
    """``NoteRepository`` over ``notes``."""

    async def add(self, note: Note) -> None:
        """Insert a note (its session must belong to the same team)."""
        await self.run(INSERT, note_values(note))

    async def for_session(self, team_id: str, session_id: str) -> Sequence[Note]:
        """All notes of a session, oldest first."""
        return [note_from_row(r) for r in await self.all(FOR_SESSION, {"b_team": team_id, "b_session": session_id})]

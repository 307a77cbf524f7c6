"""The SQL unit of work: one transaction over every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine.ports import (
    FlowRepository,
    InboxRepository,
    NoteRepository,
    OutboxRepository,
    SessionRepository,
    SettingsRepository,
    TeamRepository,
    UserRepository,
)
from bot.store.repositories.directory import SqlSettings, SqlTeams, SqlUsers
from bot.store.repositories.flows import SqlFlows
from bot.store.repositories.records import SqlInbox, SqlNotes, SqlOutbox
from bot.store.repositories.sessions import SqlSessions


class SqlUnitOfWork:
    """``async with uow:`` opens a session; ``commit()`` commits; leaving without commit rolls back."""

    teams: TeamRepository
    users: UserRepository
    settings: SettingsRepository
    flows: FlowRepository
    sessions: SessionRepository
    notes: NoteRepository
    inbox: InboxRepository
    outbox: OutboxRepository

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._sessionmaker()
        self._session = session
        self.teams = SqlTeams(session)
        self.users = SqlUsers(session)
        self.settings = SqlSettings(session)
        self.flows = SqlFlows(session)
        self.sessions = SqlSessions(session)
        self.notes = SqlNotes(session)
        self.inbox = SqlInbox(session)
        self.outbox = SqlOutbox(session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.rollback()
            await self._session.close()
            self._session = None

    @property
    def session(self) -> AsyncSession:
        """The SQLAlchemy session (only inside ``async with``)."""
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def commit(self) -> None:
        """Commit the transaction."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Roll back the transaction."""
        await self.session.rollback()

"""The SQL unit of work: one ``AsyncSession`` (one transaction) over every repository."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine.ports import (
    FlowRepository,
    InboxRepository,
    NoteRepository,
    OutboxRepository,
    SessionRepository,
    SettingsRepository,
    TeamRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
)
from bot.store.repositories.flows import FlowCache, SqlFlows
from bot.store.repositories.inbox import SqlInbox
from bot.store.repositories.notes import SqlNotes
from bot.store.repositories.outbox import SqlOutbox
from bot.store.repositories.sessions import SqlSessions
from bot.store.repositories.settings import SqlSettings
from bot.store.repositories.teams import SqlTeams
from bot.store.repositories.users import SqlUsers


class SqlUnitOfWork:
    """``async with uow:`` opens a session; ``await uow.commit()`` commits; leaving without commit rolls back.

    Implements ``bot.engine.ports.UnitOfWork``. The repositories exist only inside ``async with``.
    """

    teams: TeamRepository
    users: UserRepository
    settings: SettingsRepository
    flows: FlowRepository
    sessions: SessionRepository
    notes: NoteRepository
    inbox: InboxRepository
    outbox: OutboxRepository

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], flow_cache: FlowCache | None = None) -> None:
        self._sessionmaker = sessionmaker
        self._flow_cache = flow_cache if flow_cache is not None else FlowCache()
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        """Open the session and build the repositories over it."""
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._sessionmaker()
        self._session = session
        self.teams = SqlTeams(session)
        self.users = SqlUsers(session)
        self.settings = SqlSettings(session)
        self.flows = SqlFlows(session, self._flow_cache)
        self.sessions = SqlSessions(session)
        self.notes = SqlNotes(session)
        self.inbox = SqlInbox(session)
        self.outbox = SqlOutbox(session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back anything not committed and return the connection to the pool."""
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.rollback()
            finally:
                await session.close()

    @property
    def session(self) -> AsyncSession:
        """The SQLAlchemy session (only inside ``async with``)."""
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def commit(self) -> None:
        """Commit the transaction (the unit of work stays usable for a further transaction)."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Roll back the transaction."""
        await self.session.rollback()


class SqlUnitOfWorkFactory:
    """``bot.engine.ports.UnitOfWorkFactory``: a fresh ``SqlUnitOfWork`` per call, sharing one flow cache."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], flow_cache: FlowCache | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.flow_cache = flow_cache if flow_cache is not None else FlowCache()

    def __call__(self) -> SqlUnitOfWork:
        """A new, not yet entered, unit of work."""
        return SqlUnitOfWork(self.sessionmaker, self.flow_cache)


if TYPE_CHECKING:  # mypy proves the classes satisfy the engine's ports

    def _is_uow(uow: SqlUnitOfWork) -> UnitOfWork:
        return uow

    def _is_factory(factory: SqlUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory

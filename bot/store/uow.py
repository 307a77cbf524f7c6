"""The SQL unit of work: one pooled ``AsyncConnection`` (one transaction at a time) shared by every repository.

Repositories execute Core statements on the connection directly; there is no ORM ``Session`` in between (the
repositories map rows to domain dataclasses themselves, so an identity map would only cost time).
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.engine.audit import AuditRepository
from bot.engine.escalation.records import EscalationRepository
from bot.engine.flywheel.records import FlywheelRepository
from bot.engine.idle import IdleSessions
from bot.engine.maintenance.records import MaintenanceRunRepository
from bot.engine.ports import (
    FlowRepository,
    InboxRepository,
    NoteRepository,
    OutboxRepository,
    PilotRepository,
    SessionRepository,
    SettingsRepository,
    TeamRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
)
from bot.engine.sharing.records import ShareRepository
from bot.engine.steplib.records import StepLibraryRepository
from bot.store.repositories.audit import SqlAudit
from bot.store.repositories.escalations import SqlEscalations
from bot.store.repositories.flows import FlowCache, SqlFlows
from bot.store.repositories.flywheel import SqlFlywheel
from bot.store.repositories.idle import SqlIdleSessions
from bot.store.repositories.inbox import SqlInbox
from bot.store.repositories.maintenance import SqlMaintenanceRuns
from bot.store.repositories.notes import SqlNotes
from bot.store.repositories.outbox import SqlOutbox
from bot.store.repositories.pilot import SqlPilot
from bot.store.repositories.sessions import SqlSessions
from bot.store.repositories.settings import SqlSettings
from bot.store.repositories.shares import SqlShares
from bot.store.repositories.step_library import SqlStepLibrary
from bot.store.repositories.teams import SqlTeams
from bot.store.repositories.users import SqlUsers


class SqlUnitOfWork:
    """``async with uow:`` checks out a connection; ``await uow.commit()`` commits; leaving without commit rolls back.

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
    pilot: PilotRepository
    escalations: EscalationRepository
    maintenance_runs: MaintenanceRunRepository
    flywheel: FlywheelRepository
    shares: ShareRepository
    step_library: StepLibraryRepository
    audit: AuditRepository
    idle: IdleSessions

    def __init__(self, engine: AsyncEngine, flow_cache: FlowCache | None = None) -> None:
        self._engine = engine
        self._flow_cache = flow_cache if flow_cache is not None else FlowCache()
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        """Check out a connection and build the repositories over it (the transaction begins with the first
        statement)."""
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        connection = await self._engine.connect().start()
        self._connection = connection
        self.teams = SqlTeams(connection)
        self.users = SqlUsers(connection)
        self.settings = SqlSettings(connection)
        self.flows = SqlFlows(connection, self._flow_cache)
        self.sessions = SqlSessions(connection)
        self.notes = SqlNotes(connection)
        self.inbox = SqlInbox(connection)
        self.outbox = SqlOutbox(connection)
        self.pilot = SqlPilot(connection)
        self.escalations = SqlEscalations(connection)
        self.maintenance_runs = SqlMaintenanceRuns(connection)
        self.flywheel = SqlFlywheel(connection)
        self.shares = SqlShares(connection)
        self.step_library = SqlStepLibrary(connection)
        self.audit = SqlAudit(connection)
        self.idle = SqlIdleSessions(connection)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back anything not committed and return the connection to the pool."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()  # closing rolls back an open transaction

    @property
    def connection(self) -> AsyncConnection:
        """The SQLAlchemy connection (only inside ``async with``)."""
        if self._connection is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._connection

    async def commit(self) -> None:
        """Commit the transaction (the unit of work stays usable for a further transaction)."""
        await self.connection.commit()

    async def rollback(self) -> None:
        """Roll back the transaction."""
        await self.connection.rollback()


class SqlUnitOfWorkFactory:
    """``bot.engine.ports.UnitOfWorkFactory``: a fresh ``SqlUnitOfWork`` per call, sharing one flow cache.

    Also ``append_to_inbox``, the intake's one-statement path (``bot.jobs.intake.InboxAppender``).
    """

    def __init__(self, engine: AsyncEngine, flow_cache: FlowCache | None = None) -> None:
        self.engine = engine
        self.flow_cache = flow_cache if flow_cache is not None else FlowCache()
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def append_to_inbox(
        self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime
    ) -> int | None:
        """What ``uow.inbox.add(…)`` then ``uow.commit()`` do, as one autocommitted statement: the single
        ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` is atomic on its own, so no ``BEGIN``/``COMMIT`` round
        trips are spent before the platform request is acknowledged. The new row's id; None when the key was seen
        before."""
        async with self._autocommit.connect() as connection:
            return await SqlInbox(connection).append(team_id, dedupe_key, kind, payload, at)

    async def add_to_inbox(
        self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime
    ) -> bool:
        """``append_to_inbox`` as a yes/no: False when the key was seen before."""
        return await self.append_to_inbox(team_id, dedupe_key, kind, payload, at) is not None

    def __call__(self) -> SqlUnitOfWork:
        """A new, not yet entered, unit of work."""
        return SqlUnitOfWork(self.engine, self.flow_cache)


if TYPE_CHECKING:  # mypy proves the classes satisfy the engine's ports

    def _is_uow(uow: SqlUnitOfWork) -> UnitOfWork:
        return uow

    def _is_factory(factory: SqlUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory

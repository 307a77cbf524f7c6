"""The database handle the composition root builds once."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.store import migrate
from bot.store.db import make_engine, make_sessionmaker
from bot.store.repositories.flows import FlowCache
from bot.store.uow import SqlUnitOfWorkFactory


class Database:
    """An engine and units of work over it. ``await dispose()`` when done.

    ``sessionmaker`` is kept for callers that hand it on (``SqlMessageRefs`` accepts it or the engine); the
    repositories themselves run on plain connections.
    """

    def __init__(self, url: str, *, flow_cache_size: int = 256, pool_size: int = 20) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessionmaker = make_sessionmaker(self.engine)
        self.uow_factory = SqlUnitOfWorkFactory(self.engine, FlowCache(flow_cache_size))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def uow(self) -> SqlUnitOfWorkFactory:
        """The ``UnitOfWorkFactory``: ``database.uow()`` is a new unit of work (enter it with ``async with``)."""
        return self.uow_factory

    async def ping(self) -> bool:
        """True if the database answers ``SELECT 1``."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def readiness(self) -> dict[str, object]:
        """Whether this replica can serve: the database answers and its schema is at this release's head revision
        (``ready``), with the revisions found and expected (a replica started before ``rfbot db upgrade`` ran, or
        an older release after it, is not ready)."""
        head = migrate.head()
        try:
            async with self.engine.connect() as conn:
                current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
        except Exception:
            return {"ready": False, "database": False, "schema": None, "expected": head}
        return {"ready": current == head, "database": True, "schema": current, "expected": head}

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

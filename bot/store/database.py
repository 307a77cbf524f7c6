"""The database handle the composition root builds once."""

from __future__ import annotations

from sqlalchemy import text

from bot.store.db import make_engine, make_sessionmaker
from bot.store.uow import SqlUnitOfWork


class Database:
    """An engine, a sessionmaker and units of work over them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = make_sessionmaker(self.engine)

    def uow(self) -> SqlUnitOfWork:
        """A new unit of work (enter it with ``async with``)."""
        return SqlUnitOfWork(self.sessionmaker)

    async def ping(self) -> bool:
        """True if the database answers."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

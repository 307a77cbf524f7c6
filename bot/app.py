"""The composition root: the one place that builds clients, stores and the engine (house rule 5)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.engine.engine import Engine
from bot.engine.ports import Clock, Ids
from bot.engine.system import SystemClock, UuidIds
from bot.store.database import Database


@dataclass(slots=True)
class App:
    """Everything a running bot needs, built once."""

    settings: Settings
    database: Database
    engine: Engine
    clock: Clock
    ids: Ids

    async def close(self) -> None:
        """Release connections."""
        await self.database.dispose()


def build_app(settings: Settings | None = None, *, clock: Clock | None = None, ids: Ids | None = None) -> App:
    """Build the app from settings (read from the environment when not given)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    ids = ids or UuidIds()
    database = Database(settings.database_url)
    engine = Engine(database.uow, clock, ids)
    return App(settings=settings, database=database, engine=engine, clock=clock, ids=ids)

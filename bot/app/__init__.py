"""The composition root: the one place that builds clients, stores, the engine, the worker and the web app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.engine.engine import Engine
from bot.engine.ports import Clock, Ids
from bot.engine.system import SystemClock, UuidIds
from bot.jobs.intake import Intake
from bot.jobs.worker import InboxWorker, Sender
from bot.metrics import Metrics
from bot.store.database import Database
from bot.store.message_refs import SqlMessageRefs


@dataclass(slots=True)
class App:
    """Everything a running bot needs, built once."""

    settings: Settings
    database: Database
    engine: Engine
    clock: Clock
    ids: Ids
    metrics: Metrics = field(default_factory=Metrics)
    senders: dict[str, Sender] = field(default_factory=dict)
    worker: InboxWorker | None = None
    intake: Intake | None = None
    slack: Any = None  # the bolt AsyncApp when Slack is configured
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def web_app(self) -> web.Application:
        """The aiohttp application of ``rfbot serve`` (starts the worker with the server)."""
        from bot.web import Handler, build_web_app

        routes: list[tuple[str, str, Handler]] = []
        if self.slack is not None:
            from bot.handlers.slack.http import aiohttp_handler
            from bot.handlers.slack.oauth import oauth_routes

            handler = aiohttp_handler(self.slack, lambda s, status: self.metrics.ack("slack", s, status))
            routes.append(("POST", "/slack/events", handler))
            routes.extend(oauth_routes(self.slack))
        worker = self.worker

        async def start() -> None:
            if worker is not None:
                worker.start()
                worker.wake()

        async def stop() -> None:
            if worker is not None:
                await worker.stop()
            await self.close()

        return build_web_app(
            metrics=self.metrics, health=self.database.ping, routes=routes, on_startup=[start], on_cleanup=[stop]
        )

    async def close(self) -> None:
        """Release connections (platform HTTP sessions, then the database pool)."""
        for close in self.closers:
            await close()
        await self.database.dispose()


def build_app(settings: Settings | None = None, *, clock: Clock | None = None, ids: Ids | None = None) -> App:
    """Build the app from settings (read from the environment when not given)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    ids = ids or UuidIds()
    database = Database(settings.database_url, pool_size=settings.database_pool_size)
    engine = Engine(database.uow, clock, ids)
    app = App(settings=settings, database=database, engine=engine, clock=clock, ids=ids)
    enrichers: dict[str, Any] = {}
    worker = InboxWorker(
        database.uow,
        engine,
        app.senders,
        observer=app.metrics,
        enrichers=enrichers,
        concurrency=settings.worker_concurrency,
    )
    app.worker = worker
    app.intake = Intake(database.uow, ids, clock.now, worker.wake)
    if settings.slack_enabled:
        from bot.app.slack import build_slack

        refs = SqlMessageRefs(database.sessionmaker)
        slack = build_slack(settings, app.intake, refs, app.metrics, clock.now, database)
        app.slack, app.senders["slack"], enrichers["slack"] = slack.bolt, slack.sender, slack.profiles
        app.closers.append(slack.close)
    return app

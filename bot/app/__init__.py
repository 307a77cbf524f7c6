"""The composition root: the one place that builds clients, stores, the engine, the worker and the web app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from aiohttp import web

from bot.app.pilot import build_pilot, index_worker
from bot.app.psa import ConnectedPsas, PsaFactory, connectwise_factory, env_credentials
from bot.app.scheduling import QuietSender, build_scheduler, build_scheduling
from bot.app.sharing import build_link_signer
from bot.config import Settings
from bot.engine.engine import Engine
from bot.engine.ports import Clock, Ids
from bot.engine.scheduled import SCHEDULER_PLATFORM, ScheduleBook, ScheduledRouter
from bot.engine.sharing.pages import SharePages
from bot.engine.system import SystemClock, UuidIds
from bot.engine.team_schedules import ensure_every_team, ensure_schedules_for
from bot.handlers.console.files import ConsoleFiles
from bot.jobs.indexing import IndexWorker
from bot.jobs.intake import Intake
from bot.jobs.outbox import OutboxWorker, RetryPolicy
from bot.jobs.scheduler import Scheduler
from bot.jobs.worker import InboxWorker, Sender
from bot.metrics import Metrics
from bot.queue_metrics import QueueGauges
from bot.store.database import Database
from bot.store.inbox_claimer import SqlInboxClaimer
from bot.store.inbox_notify import PgInboxListener
from bot.store.member_links import SqlMemberLinks
from bot.store.message_refs import SqlMessageRefs
from bot.store.psa_connections import SqlPsaConnections
from bot.store.queue_stats import SqlQueueStats
from bot.store.secrets import SecretBox


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
    teams: Any = None  # the Teams parts (``bot.app.teams.TeamsParts``) when Teams is configured
    psa: ConnectedPsas | None = None
    psa_connections: SqlPsaConnections | None = None  # None without RFBOT_SECRET_KEYS (nothing can be stored)
    outbox: OutboxWorker | None = None
    indexer: IndexWorker | None = None  # keeps the search index current (stopped by FlowPilot's closer)
    schedules: ScheduleBook | None = None  # stored schedules (create, pause, list): ``bot.engine.scheduled``
    scheduler: Scheduler | None = None  # fires them (the leader among replicas); None when RFBOT_SCHEDULER_ENABLED=0
    shares: SharePages | None = None  # the sharing pages (share links, export downloads) served by `rfbot serve`
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
        if self.shares is not None:
            from bot.handlers.share.http import share_routes

            routes.extend(share_routes(self.shares))
        worker, outbox = self.worker, self.outbox

        async def start() -> None:
            if worker is not None:
                worker.start()
                worker.wake()
            if outbox is not None:
                outbox.start()
            if self.indexer is not None:
                self.indexer.start()
            if self.schedules is not None:  # every team's periodic schedules (idempotent: nothing new, no write)
                await ensure_every_team(self.database.uow, self.schedules)
            if self.scheduler is not None:
                self.scheduler.start()

        async def stop() -> None:
            if self.scheduler is not None:
                await self.scheduler.stop()  # hands leadership over at once
            if outbox is not None:
                await outbox.stop()
            if worker is not None:
                await worker.stop()
            await self.close()

        web_app = build_web_app(
            metrics=self.metrics,
            health=self.database.ping,
            ready=self.database.readiness,
            routes=routes,
            on_startup=[start],
            on_cleanup=[stop],
        )
        if self.teams is not None:
            self.teams.mount(web_app)  # POST /api/messages, JWT-checked on that route only
        return web_app

    async def close(self) -> None:
        """Release connections (platform HTTP sessions, then the database pool)."""
        for close in self.closers:
            await close()
        await self.database.dispose()


def build_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    ids: Ids | None = None,
    psa_factory: PsaFactory = connectwise_factory,
    push_policy: RetryPolicy | None = None,
) -> App:
    """Build the app from settings (read from the environment when not given)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    ids = ids or UuidIds()
    database = Database(settings.database_url, pool_size=settings.database_pool_size)
    keys = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
    box = SecretBox.from_setting(keys) if keys.strip() else None
    connections = SqlPsaConnections(database.engine, box) if box is not None else None
    links = SqlMemberLinks(database.engine)
    psa = ConnectedPsas(connections, psa_factory, env_credentials(settings), box=box, now=clock.now, links=links)
    metrics = Metrics()
    grace = timedelta(seconds=settings.scheduler_misfire_grace)
    metrics.watch_queues(QueueGauges(SqlQueueStats(database.engine, clock.now, grace).probes(), clock.now))
    pilot = build_pilot(settings, database, metrics)
    pilot.files["console"] = ConsoleFiles()  # `/attach PATH` in `rfbot console`: the engineer's own files
    scheduling = build_scheduling(database, clock, ids, psa=psa, pilot=pilot)  # the book, and what fires do
    signer = build_link_signer(settings)  # share and download links
    engine = Engine(
        database.uow,
        clock,
        ids,
        psa=psa,
        pilot=pilot,
        schedules=scheduling.schedules,
        links=signer,
        super_admins=settings.super_admin_keys,
    )
    app = App(settings=settings, database=database, engine=engine, clock=clock, ids=ids, metrics=metrics)
    app.shares = SharePages(database.uow, signer, clock)
    app.psa, app.psa_connections = psa, connections
    app.closers.append(psa.close)
    enrichers: dict[str, Any] = {}
    worker = InboxWorker(
        database.uow,
        ScheduledRouter(engine, scheduling.actions),  # ScheduleFired to the scheduled actions, the rest to the engine
        app.senders,
        observer=app.metrics,
        enrichers=enrichers,
        concurrency=settings.worker_concurrency,
        now=clock.now,
        lease_seconds=settings.inbox_lease,
    )
    if database.dialect == "postgresql":  # N replicas: claims on insert, NOTIFY wake-ups (bot.store.inbox_notify)
        worker.listen(PgInboxListener(settings.database_url, worker.wake, ignore=worker.owner))
    app.worker = worker
    pilot.wake = worker.wake
    app.indexer = index_worker(pilot)  # chains its wake onto pilot.wake
    if pilot.close is not None:
        app.closers.append(pilot.close)
    seal = box.encrypt if box is not None else None
    postgres = database.dialect == "postgresql"
    claimer = SqlInboxClaimer(database.engine, worker.owner, settings.inbox_lease) if postgres else None
    app.intake = Intake(
        database.uow, ids, clock.now, worker.wake, seal=seal, hand_over=worker.hand_over, claimer=claimer
    )
    app.intake.on_team = partial(ensure_schedules_for, database.uow, scheduling.schedules)  # a team's schedules
    policy = push_policy or RetryPolicy(lease_seconds=settings.push_lease)
    app.outbox = OutboxWorker(database.uow, psa, clock, worker.wake, policy=policy, observe=metrics.push)
    engine.wake_outbox = scheduling.actions.wake_outbox = app.outbox.wake  # a queued push goes out at once
    # --- the scheduler: stored schedules become ScheduleFired inbox events, once per fire, on one leader -----------
    app.schedules, app.senders[SCHEDULER_PLATFORM] = scheduling.schedules, QuietSender(app.senders)
    if settings.scheduler_enabled:
        app.scheduler = build_scheduler(settings, database, clock, worker.wake)
        scheduling.schedules.on_change = app.scheduler.reload_soon
    if settings.slack_enabled:
        from bot.app.slack import build_slack

        refs = SqlMessageRefs(database.sessionmaker)
        slack = build_slack(settings, app.intake, refs, app.metrics, clock.now, database)
        app.slack, app.senders["slack"], enrichers["slack"] = slack.bolt, slack.sender, slack.profiles
        slack.sender.on_thread = worker.follow_up
        pilot.files["slack"] = slack.files
        app.closers.append(slack.close)
    if settings.teams_enabled:
        from bot.app.teams import build_teams
        from bot.engine.sharing.handover import ExportHandover

        shares = app.shares  # exports go into OneDrive after the person allows it (a file-consent card)
        handover = ExportHandover(shares, database.uow, clock, engine.super_admins) if shares is not None else None
        refs = SqlMessageRefs(database.sessionmaker)
        teams = build_teams(settings, app.intake, refs, app.metrics, clock.now, database, handover=handover)
        app.teams, app.senders["teams"], enrichers["teams"] = teams, teams.sender, teams.profiles
        teams.sender.on_thread = worker.follow_up
        pilot.files["teams"] = teams.files
        app.closers.append(teams.close)
    return app

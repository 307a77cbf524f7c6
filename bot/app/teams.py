"""Teams wiring for the composition root: the SDK's connection manager and adapter, our inbound agent, the sender
(FlowPilot's replies streamed in 1:1 chats; flow diagrams by link when ``RFBOT_PUBLIC_URL`` gives the bot a public
address), the export uploads behind file-consent cards (with the engine's ``ExportHandover``), the profile enricher
and the fetcher of shared files (FlowPilot's ``pilot.files["teams"]``).

Configuration uses the Microsoft 365 Agents SDK's own variable names, read by the SDK's own
``load_configuration_from_env``: ``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__{CLIENTID, CLIENTSECRET, TENANTID,
AUTHTYPE, ANONYMOUS_ALLOWED}`` come from ``Settings`` (so ``.env`` and ``rfbot config check`` cover them); any
other ``CONNECTIONS__*``/``CONNECTIONSMAP__*``/``AGENTAPPLICATION__*`` variable in the environment (``AUTHORITY``,
``CERTPFXFILE``, ``SCOPES``, ...) is passed through unchanged. Teams is on when CLIENTID is set.

``RFBOT_TEAMS_APP_TYPE`` (Azure's "type of app": ``MultiTenant``, the default, or ``SingleTenant`` /
``UserAssignedMSI``) decides whom ``/api/messages`` serves: single-tenant, only the tenant of ``TENANTID`` (others'
activities are refused before anything is stored); multi-tenant, every tenant, each its own team.

Anonymous mode (``ANONYMOUS_ALLOWED=true``) is for local development only: requests without a token are accepted
and nothing sent to the connector carries a token. It is announced with a loud warning at start-up.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter

from bot.config import Settings
from bot.engine.message_refs import MessageRefs
from bot.engine.sharing.handover import ExportHandover
from bot.handlers.teams import http as teams_http
from bot.handlers.teams.connector import Connectors
from bot.handlers.teams.files import TeamsFiles
from bot.handlers.teams.profiles import TeamsProfiles
from bot.handlers.teams.reach import Reach
from bot.handlers.teams.sender import TeamsSender
from bot.handlers.teams.uploads import ExportUploads
from bot.metrics import Metrics
from bot.store.database import Database

log = logging.getLogger(__name__)
PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
PASSED_THROUGH = ("CONNECTIONS__", "CONNECTIONSMAP__", "AGENTAPPLICATION__")
TEAM_PREFIX = "teams:"
ANONYMOUS_WARNING = (
    "!!! TEAMS ANONYMOUS MODE: CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=true. POST /api/messages "
    "accepts requests WITHOUT a token and replies are sent without one. For local development only -- never expose "
    "this server to the internet like this. !!!"
)


def sdk_environment(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables handed to the SDK's ``load_configuration_from_env``: the SDK's own from ``environ``, with the
    service connection's settings taken from ``settings``."""
    env = {k: v for k, v in (os.environ if environ is None else environ).items() if k.startswith(PASSED_THROUGH)}
    mine = {
        "CLIENTID": settings.teams_client_id,
        "CLIENTSECRET": settings.teams_client_secret.get_secret_value() if settings.teams_client_secret else "",
        "TENANTID": settings.teams_tenant_id,
        "AUTHTYPE": settings.teams_auth_type,
        "ANONYMOUS_ALLOWED": "true" if settings.teams_anonymous_allowed else "false",
    }
    for name, value in mine.items():
        env.pop(PREFIX + name, None)
        if value:
            env[PREFIX + name] = value
    return env


@dataclass
class TeamsParts:
    """What the composition root keeps from the Teams wiring."""

    handler: teams_http.Handler  # POST /api/messages (JWT-checked)
    connections: MsalConnectionManager
    sender: TeamsSender
    profiles: TeamsProfiles
    files: TeamsFiles  # the FileFetcher FlowPilot uses for files shared in Teams
    close: Callable[[], Awaitable[None]]
    uploads: ExportUploads | None = None  # exports put into OneDrive after a file-consent card (None: not wired)

    def mount(self, app: web.Application) -> None:
        """Add ``POST /api/messages`` and the configuration its JWT check reads to the server."""
        teams_http.mount(app, self.connections.get_default_connection_configuration(), self.handler)


def _tenant_lookup(database: Database) -> Callable[[str], Awaitable[str]]:
    async def tenant_for(team_id: str) -> str:
        async with database.uow() as uow:
            team = await uow.teams.get(team_id)
        return team.name.removeprefix(TEAM_PREFIX) if team is not None and team.name.startswith(TEAM_PREFIX) else ""

    return tenant_for


def build_teams(
    settings: Settings,
    intake: teams_http.IntakePort,
    refs: MessageRefs,
    metrics: Metrics,
    now: Callable[[], datetime],
    database: Database,
    environ: Mapping[str, str] | None = None,
    handover: ExportHandover | None = None,
) -> TeamsParts:
    """The adapter behind ``/api/messages`` with our agent, and the sender and enricher the worker uses; with
    ``handover``, exports asked for in 1:1 chats are offered as files (file-consent cards)."""
    anonymous = settings.teams_anonymous_allowed
    if anonymous:
        log.warning(ANONYMOUS_WARNING)
    connections = MsalConnectionManager(**load_configuration_from_env(sdk_environment(settings, environ)))
    adapter = CloudAdapter(connection_manager=connections)
    teams_http.friendly_errors(adapter)
    reach = Reach(settings.teams_service_url, _tenant_lookup(database))
    connectors = Connectors(connections, settings.teams_client_id, anonymous=anonymous)

    def observe(operation: str, ok: bool) -> None:
        metrics.delivery("teams", operation, ok)

    uploads = ExportUploads(handover, connectors, observe) if handover is not None else None
    home_tenant = settings.teams_home_tenant
    if home_tenant:
        log.info("Teams is single-tenant: activities of tenants other than %s are refused", home_tenant)
    else:
        log.info("Teams is multi-tenant: every tenant's activities are accepted, each tenant a team of its own")
    agent = teams_http.InboundAgent(intake, reach, now, uploads, home_tenant)
    handler = teams_http.messages_handler(adapter, agent, lambda s, status: metrics.ack("teams", s, status))
    sender = TeamsSender(
        connectors,
        refs,
        reach,
        now,
        observe=observe,
        lazy_delay=settings.card_update_delay,
        picture_links=bool(settings.public_url),
    )

    files = TeamsFiles(connectors.token)

    async def close() -> None:
        await sender.flush()
        if uploads is not None:
            await uploads.close()
        await files.close()
        await connectors.close()

    return TeamsParts(handler, connections, sender, TeamsProfiles(connectors, reach), files, close, uploads)

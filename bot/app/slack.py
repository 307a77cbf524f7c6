"""Slack wiring for the composition root: the bolt app, the per-team Web API client, the sender.

Two modes. With ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` the app is installable into any number of workspaces
through ``/slack/install`` (OAuth v2); installations live in our database, tokens encrypted with
``RFBOT_SECRET_KEYS``, and each team's client uses its own workspace's bot token. Otherwise ``SLACK_BOT_TOKEN``
serves the one workspace it belongs to.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.engine.message_refs import MessageRefs
from bot.handlers.slack import http as slack_http
from bot.handlers.slack.files import SlackFiles
from bot.handlers.slack.profiles import SlackProfiles
from bot.handlers.slack.sender import SlackSender
from bot.metrics import Metrics
from bot.store.database import Database
from bot.store.secrets import SecretBox
from bot.store.slack_installations import CachedInstallations, EncryptedInstallationStore, oauth_state_store

log = logging.getLogger(__name__)
WEB_API_TIMEOUT_S = 30
TEAM_PREFIX = "slack:"


class SlackNotInstalledError(Exception):
    """A team's workspace has no installation (never installed, or uninstalled)."""


class _EffectiveLevelLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """slack_sdk's logger with a truthful ``level``.

    slack_sdk builds its debug lines (request headers, parameters, the whole response body) whenever
    ``logger.level <= DEBUG``, and a logger nobody configured has level 0 (NOTSET): so every Web API call paid for
    formatting that the logger then dropped. Here ``level`` is the level actually in effect, so the lines are built
    only when DEBUG logging is on."""

    @property
    def level(self) -> int:
        return int(self.logger.getEffectiveLevel())


RATE_LIMIT_RETRIES = 10
SDK_LOGGER = _EffectiveLevelLogger(logging.getLogger("slack_sdk.web.async_client"))


def web_client(settings: Settings, token: str | None, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """A Web API client with Slack's base URL from settings, retrying 429s after ``Retry-After``.

    With ``session`` every call reuses its kept-alive connections; without, slack_sdk opens a new session (and TCP
    connection) per call."""
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        session=session,
        timeout=WEB_API_TIMEOUT_S,
        # a 429 is waited out (Retry-After) up to RATE_LIMIT_RETRIES times: throttling that lasts a few seconds holds
        # up only that session's lane, where giving up after 3 tries lost the post or the edit (the soak's drill)
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
        logger=SDK_LOGGER,  # type: ignore[arg-type]
    )


class _Clients:
    """Web API clients per bot token over one shared HTTP session (opened on first use, inside the server's
    event loop)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}

    def get(self, token: str) -> AsyncWebClient:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._clients.clear()
        client = self._clients.get(token)
        if client is None:
            client = self._clients[token] = web_client(self._settings, token, self._session)
        return client

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            self._clients.clear()


class SingleWorkspace:
    """``SLACK_BOT_TOKEN``: one workspace, one client."""

    def __init__(self, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self._token = settings.slack_bot_token.get_secret_value()
        self._clients = _Clients(settings)
        self.close = self._clients.close

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """Every team uses the one client."""
        return self._clients.get(self._token)


class MultiWorkspace:
    """OAuth installs: each team's client carries the bot token of the workspace it was created for."""

    def __init__(self, settings: Settings, installations: AsyncInstallationStore, database: Database) -> None:
        self._installations = installations
        self._database = database
        self._workspaces: dict[str, str] = {}
        self._clients = _Clients(settings)
        self.close = self._clients.close

    async def _workspace_of(self, team_id: str) -> str:
        workspace = self._workspaces.get(team_id)
        if workspace is None:
            async with self._database.uow() as uow:
                team = await uow.teams.get(team_id)
            if team is None or not team.name.startswith(TEAM_PREFIX):
                raise SlackNotInstalledError(f"team {team_id} is not a Slack workspace")
            workspace = self._workspaces[team_id] = team.name.removeprefix(TEAM_PREFIX)
        return workspace

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """The client of the team's workspace; ``SlackNotInstalledError`` if it has no bot token."""
        workspace = await self._workspace_of(team_id)
        bot = await self._installations.async_find_bot(enterprise_id=None, team_id=workspace)
        if bot is None or not bot.bot_token:
            raise SlackNotInstalledError(
                f"ResolutionFlow is not installed in Slack workspace {workspace}; install it through /slack/install"
            )
        return self._clients.get(bot.bot_token)


@dataclass
class SlackParts:
    """What the composition root keeps from the Slack wiring."""

    bolt: AsyncApp
    sender: SlackSender
    profiles: SlackProfiles
    close: Callable[[], Awaitable[None]]
    files: SlackFiles  # downloads files shared in threads for FlowPilot (bot token of the team's workspace)


def _oauth_bolt(settings: Settings, database: Database) -> tuple[AsyncApp, MultiWorkspace]:
    assert settings.slack_signing_secret is not None and settings.slack_client_secret is not None
    box = SecretBox.from_setting(settings.secret_keys.get_secret_value() if settings.secret_keys else None)
    installations = CachedInstallations(EncryptedInstallationStore(settings.slack_client_id, database.engine, box))
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=[s.strip() for s in settings.slack_scopes.split(",") if s.strip()],
        redirect_uri=settings.slack_redirect_uri or None,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=oauth_state_store(database.engine),
    )
    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=web_client(settings, None),
        oauth_settings=oauth,
        installation_store_bot_only=True,
        raise_error_for_unhandled_request=False,
        process_before_response=True,  # our listeners only persist the event: ack after it is stored
    )
    bolt.enable_token_revocation_listeners()
    if settings.slack_bot_token is not None:
        log.warning("SLACK_BOT_TOKEN is ignored: SLACK_CLIENT_ID is set, so tokens come from OAuth installations")
    return bolt, MultiWorkspace(settings, installations, database)


def build_slack(
    settings: Settings,
    intake: slack_http.IntakePort,
    refs: MessageRefs,
    metrics: Metrics,
    now: Callable[[], datetime],
    database: Database,
) -> SlackParts:
    """The bolt app with our listeners, the sender and the profile enricher the worker uses, the file fetcher
    FlowPilot uses, and what to call at shutdown. ``SecretsError`` if OAuth is configured without
    ``RFBOT_SECRET_KEYS``."""
    assert settings.slack_signing_secret is not None
    workspaces: SingleWorkspace | MultiWorkspace
    if settings.slack_oauth_enabled:
        bolt, workspaces = _oauth_bolt(settings, database)
    else:
        assert settings.slack_bot_token is not None
        workspaces = SingleWorkspace(settings)
        bolt = AsyncApp(
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            client=web_client(settings, settings.slack_bot_token.get_secret_value()),
            raise_error_for_unhandled_request=False,
            process_before_response=True,  # our listeners only persist the event: ack after it is stored
        )
    slack_http.register(bolt, intake, now, settings.slash_command)
    sender = SlackSender(
        workspaces.client_for,
        refs,
        now,
        observe=lambda method, ok: metrics.delivery("slack", method, ok),
        lazy_delay=settings.card_update_delay,
    )

    async def close() -> None:
        await sender.flush()
        await workspaces.close()

    files = SlackFiles(workspaces.client_for, settings.slack_api_url)
    return SlackParts(bolt, sender, SlackProfiles(workspaces.client_for), close, files)

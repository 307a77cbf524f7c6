"""Slack wiring for the composition root: the bolt app, the per-team Web API client, the sender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.engine.ports import MessageRefs
from bot.handlers.slack import http as slack_http
from bot.handlers.slack.profiles import SlackProfiles
from bot.handlers.slack.sender import SlackSender
from bot.metrics import Metrics

WEB_API_TIMEOUT_S = 30


def web_client(settings: Settings, token: str, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """A Web API client with Slack's base URL from settings, retrying 429s after ``Retry-After``.

    With ``session`` every call reuses its kept-alive connections; without, slack_sdk opens a new session (and TCP
    connection) per call."""
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        session=session,
        timeout=WEB_API_TIMEOUT_S,
        retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )


class SingleWorkspace:
    """``SLACK_BOT_TOKEN``: one workspace, one client over one shared HTTP session (opened on first use, inside
    the server's event loop; ``close()`` at shutdown)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self._settings = settings
        self._token = settings.slack_bot_token.get_secret_value()
        self._session: aiohttp.ClientSession | None = None
        self._client: AsyncWebClient | None = None

    def bolt_client(self) -> AsyncWebClient:
        """The client bolt keeps for its listeners' context (ours only persist events; bolt calls ``auth.test``)."""
        return web_client(self._settings, self._token)

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """Every team uses the one client."""
        if self._client is None or self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._client = web_client(self._settings, self._token, self._session)
        return self._client

    async def close(self) -> None:
        """Close the shared HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def build_slack(
    settings: Settings, intake: slack_http.IntakePort, refs: MessageRefs, metrics: Metrics, now: Callable[[], datetime]
) -> tuple[AsyncApp, SlackSender, SlackProfiles, Callable[[], Awaitable[None]]]:
    """The bolt app with our listeners, the sender and the profile enricher the worker uses, and what to call at
    shutdown."""
    assert settings.slack_signing_secret is not None and settings.slack_bot_token is not None
    workspace = SingleWorkspace(settings)
    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=workspace.bolt_client(),
        raise_error_for_unhandled_request=False,
    )
    slack_http.register(bolt, intake, now, settings.slash_command)
    sender = SlackSender(
        workspace.client_for, refs, now, observe=lambda method, ok: metrics.delivery("slack", method, ok)
    )
    return bolt, sender, SlackProfiles(workspace.client_for), workspace.close

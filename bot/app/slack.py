"""Slack wiring for the composition root: the bolt app, the per-team Web API client, the sender."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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


def web_client(settings: Settings, token: str) -> AsyncWebClient:
    """A Web API client with Slack's base URL from settings, retrying 429s after ``Retry-After``."""
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )


class SingleWorkspace:
    """``SLACK_BOT_TOKEN``: one workspace, one client."""

    def __init__(self, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self.client = web_client(settings, settings.slack_bot_token.get_secret_value())

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """Every team uses the one client."""
        return self.client


def build_slack(
    settings: Settings, intake: slack_http.IntakePort, refs: MessageRefs, metrics: Metrics, now: Callable[[], datetime]
) -> tuple[AsyncApp, SlackSender, SlackProfiles]:
    """The bolt app with our listeners, the sender and the profile enricher the worker uses."""
    assert settings.slack_signing_secret is not None and settings.slack_bot_token is not None
    workspace = SingleWorkspace(settings)
    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token=settings.slack_bot_token.get_secret_value(),
        client=workspace.client,
        raise_error_for_unhandled_request=False,
    )
    slack_http.register(bolt, intake, now, settings.slash_command)
    sender = SlackSender(
        workspace.client_for, refs, now, observe=lambda method, ok: metrics.delivery("slack", method, ok)
    )
    return bolt, sender, SlackProfiles(workspace.client_for)

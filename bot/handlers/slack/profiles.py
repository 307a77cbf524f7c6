"""Real names and e-mail addresses for Slack users (``users.info``), cached, applied before the engine sees an event.

Slack payloads carry only a handle; notes should say who did what, and e-mail maps people to PSA members.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.events import Actor, InboundEvent

log = logging.getLogger(__name__)
TTL_SECONDS = 3600.0
MAX_ENTRIES = 5000


class SlackProfiles:
    """``enrich(event)`` fills in the actor's real name and e-mail."""

    def __init__(self, client_for: Callable[[str], Awaitable[AsyncWebClient]]) -> None:
        self._client_for = client_for
        self._cache: dict[tuple[str, str], tuple[float, str, str]] = {}

    async def enrich(self, event: InboundEvent) -> InboundEvent:
        """The event with its actor's profile applied (unchanged if Slack cannot say)."""
        actor = event.actor
        if actor.platform != "slack" or not actor.platform_user_id.startswith(("U", "W")):
            return event
        key = (event.team_id, actor.platform_user_id)
        cached = self._cache.get(key)
        if cached is None or cached[0] < time.monotonic():
            try:
                client = await self._client_for(event.team_id)
                result = await client.users_info(user=actor.platform_user_id)
            except SlackApiError as err:
                log.warning(
                    "users.info failed for %s: %s",
                    actor.platform_user_id,
                    err.response.get("error") if err.response is not None else err,
                )
                return event
            user = result.get("user") or {}
            profile = user.get("profile") or {}
            name = str(profile.get("real_name") or user.get("real_name") or actor.display_name)
            cached = (time.monotonic() + TTL_SECONDS, name, str(profile.get("email") or ""))
            if len(self._cache) >= MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = cached
        _, name, email = cached
        return dataclasses.replace(
            event, actor=Actor(actor.platform, actor.platform_user_id, name, email or actor.email)
        )

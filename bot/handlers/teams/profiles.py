"""Real names and e-mail addresses (UPN) for Teams users, from the Bot Connector's member API, cached; applied in the
worker before the engine sees an event.

Activities carry a display name and an Entra object id but no e-mail, and e-mail is how people are matched to PSA
(ConnectWise) members. ``GET /v3/conversations/{id}/members/{userId}`` answers with ``email`` and
``userPrincipalName``; in a team it is asked with the team's id (``channelData.team.id``, kept in the event's
``ConversationRef.extras["team"]``), as the SDK's own ``TeamsInfo.get_member`` does, elsewhere with the chat's id. A
lookup that fails leaves the event as it was (logged): the engine then works with the name Teams sent.
"""

from __future__ import annotations

import dataclasses
import logging
import time

from bot.engine.events import Actor, InboundEvent
from bot.handlers.teams.connector import ConnectorError, Connectors
from bot.handlers.teams.ids import PLATFORM
from bot.handlers.teams.reach import Reach

log = logging.getLogger(__name__)
TTL_SECONDS = 3600.0
MAX_ENTRIES = 5000
PEOPLE_PREFIX = "29:"


class TeamsProfiles:
    """``enrich(event)`` fills in the actor's real name and e-mail (UPN when Teams gives no e-mail)."""

    def __init__(self, connectors: Connectors, reach: Reach) -> None:
        self._connectors, self._reach = connectors, reach
        self._cache: dict[tuple[str, str], tuple[float, str, str]] = {}

    async def enrich(self, event: InboundEvent) -> InboundEvent:
        """The event with its actor's profile applied (unchanged if Teams cannot say)."""
        actor = event.actor
        if actor.platform != PLATFORM or not actor.platform_user_id.startswith(PEOPLE_PREFIX):
            return event
        key = (event.team_id, actor.platform_user_id)
        cached = self._cache.get(key)
        if cached is None or cached[0] < time.monotonic():
            found = await self._lookup(event)
            if found is None:
                return event
            if len(self._cache) >= MAX_ENTRIES:
                self._cache.clear()
            cached = self._cache[key] = (time.monotonic() + TTL_SECONDS, *found)
        _, name, email = cached
        return dataclasses.replace(
            event, actor=Actor(actor.platform, actor.platform_user_id, name or actor.display_name, email or actor.email)
        )

    async def _lookup(self, event: InboundEvent) -> tuple[str, str] | None:
        conversation, user_id = event.conversation, event.actor.platform_user_id
        where = str(conversation.extras.get("team") or conversation.channel)
        if not where:
            where = self._reach.chat_with(event.team_id, user_id)
        if not where:
            return None
        service_url = self._reach.service_url(event.team_id, conversation)
        try:
            member = await self._connectors.call(
                service_url, "member", lambda c: c.get_conversation_member(where, user_id)
            )
        except ConnectorError as err:
            log.warning("Teams member lookup failed for %s in %s: %s", user_id, where, err)
            return None
        email = str(member.email or member.user_principal_name or "")
        return str(member.name or ""), email

"""Where a team's Teams tenant can be reached: its Bot Connector ``serviceUrl``, its tenant id, and people's 1:1 chats.

Every inbound activity carries its ``serviceUrl`` and tenant, and the translator puts both into the event's
``ConversationRef.extras`` (``service_url``, ``tenant``), which the engine stores with the session: replies to a
conversation always know where to go, after a restart too. ``Reach`` remembers the same facts per team in memory
for replies that name no conversation (a direct message, the home card, a ping to a lead), plus each person's 1:1
chat id once seen or created. Nothing here needs a table: a process that has not heard from a tenant yet falls back
to the global ``serviceUrl`` (``RFBOT_TEAMS_SERVICE_URL``; Teams routes it to the tenant's region), the tenant id
is part of our team's name (``teams:<tenant>``, looked up through ``tenant_for``), and Teams answers "create the
1:1 chat with this person" with the existing chat's id, so a forgotten chat id costs one call, never a duplicate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.engine.events import ConversationRef

MAX_PEOPLE = 50_000


class Reach:
    """In-memory, per team: ``serviceUrl``, tenant and 1:1 chat ids (filled by the inbound side and the sender)."""

    def __init__(self, default_service_url: str, tenant_for: Callable[[str], Awaitable[str]] | None = None) -> None:
        self.default_service_url = default_service_url
        self._tenant_for = tenant_for
        self._service_urls: dict[str, str] = {}
        self._tenants: dict[str, str] = {}
        self._chats: dict[tuple[str, str], str] = {}

    def learn(self, team_id: str, service_url: str, tenant: str) -> None:
        """An activity of ``team_id`` came from ``service_url`` in ``tenant``."""
        if service_url:
            self._service_urls[team_id] = service_url
        if tenant:
            self._tenants[team_id] = tenant

    def learn_chat(self, team_id: str, user_id: str, conversation_id: str) -> None:
        """``conversation_id`` is the bot's 1:1 chat with ``user_id``."""
        if len(self._chats) >= MAX_PEOPLE:
            self._chats.clear()
        self._chats[(team_id, user_id)] = conversation_id

    def chat_with(self, team_id: str, user_id: str) -> str:
        """The known 1:1 chat id with ``user_id`` ("" when none is known)."""
        return self._chats.get((team_id, user_id), "")

    def service_url(self, team_id: str, conversation: ConversationRef | None = None) -> str:
        """The ``serviceUrl`` to use: the conversation's own, else the team's latest, else the global default."""
        extras: dict[str, Any] = conversation.extras if conversation is not None else {}
        return str(extras.get("service_url") or self._service_urls.get(team_id) or self.default_service_url)

    async def tenant(self, team_id: str, conversation: ConversationRef | None = None) -> str:
        """The tenant id of ``team_id`` ("" if nobody can say)."""
        extras: dict[str, Any] = conversation.extras if conversation is not None else {}
        tenant = str(extras.get("tenant") or self._tenants.get(team_id) or "")
        if not tenant and self._tenant_for is not None:
            tenant = await self._tenant_for(team_id)
            if tenant:
                self._tenants[team_id] = tenant
        return tenant

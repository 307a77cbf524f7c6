"""PSA wiring for the composition root: which PSA client serves which team.

A team's own connection (``rfbot psa connect`` / ``/rf admin psa``, stored encrypted) wins; otherwise the
``CW_*`` environment variables of a single-team install apply to every team. Clients are built once per
connection and rebuilt when the stored connection changes (checked at most every ``recheck_seconds``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot.config import Settings
from bot.engine.psa import CheckResult, MemberLink, Psa, PsaCredentials, PsaRejectedError
from bot.store.member_links import SqlMemberLinks
from bot.store.psa_connections import SqlPsaConnections
from bot.store.secrets import NO_KEYS, SecretBox

PRODUCT = {"connectwise": "ConnectWise"}
PsaFactory = Callable[[PsaCredentials], Psa]


def env_credentials(settings: Settings) -> PsaCredentials | None:
    """The ``CW_*`` connection, when complete."""
    if not settings.cw_from_env or settings.cw_public_key is None or settings.cw_private_key is None:
        return None
    return PsaCredentials(
        provider="connectwise",
        site_url=settings.cw_site_url,
        company_id=settings.cw_company_id,
        public_key=settings.cw_public_key.get_secret_value(),
        private_key=settings.cw_private_key.get_secret_value(),
        client_id=settings.cw_client_id,
    )


def connectwise_factory(credentials: PsaCredentials) -> Psa:
    """The production client for a connection."""
    from bot.psa.connectwise.client import ConnectWiseClient

    client: Psa = ConnectWiseClient(credentials)
    return client


class ConnectedPsas:
    """``bot.engine.psa.PsaDirectory`` over stored connections and the environment."""

    def __init__(
        self,
        store: SqlPsaConnections | None,
        factory: PsaFactory = connectwise_factory,
        fallback: PsaCredentials | None = None,
        recheck_seconds: float = 30.0,
        box: SecretBox | None = None,
        now: Callable[[], datetime] | None = None,
        links: SqlMemberLinks | None = None,
    ) -> None:
        self._store = store
        self._links = links
        self._memory_links: dict[str, dict[str, MemberLink]] = {}
        self._box = box
        self._now = now or (lambda: datetime.now(UTC))
        self._factory = factory
        self._fallback = fallback
        self._recheck = recheck_seconds
        self._clients: dict[str, tuple[float, datetime | None, Psa | None, str]] = {}
        self._fallback_client: Psa | None = None

    async def for_team(self, team_id: str) -> Psa | None:
        """The team's client (its own connection, else the environment's), or None."""
        now = time.monotonic()
        cached = self._clients.get(team_id)
        if cached is not None and cached[0] > now:
            return cached[2]
        stored = await self._store.get(team_id) if self._store is not None else None
        if stored is not None:
            credentials, changed = stored
            if cached is not None and cached[1] == changed and cached[2] is not None:
                client = cached[2]
            else:
                if cached is not None and cached[2] is not None and cached[2] is not self._fallback_client:
                    await cached[2].close()
                client = self._factory(credentials)
            self._clients[team_id] = (now + self._recheck, changed, client, credentials.provider)
            return client
        if self._fallback is not None:
            if self._fallback_client is None:
                self._fallback_client = self._factory(self._fallback)
            self._clients[team_id] = (now + self._recheck, None, self._fallback_client, self._fallback.provider)
            return self._fallback_client
        self._clients[team_id] = (now + self._recheck, None, None, "")
        return None

    def name_for(self, team_id: str) -> str:
        """The product name of the team's PSA, for messages."""
        cached = self._clients.get(team_id)
        provider = cached[3] if cached is not None else ""
        return PRODUCT.get(provider or "connectwise", provider or "the PSA")

    def can_store(self) -> bool:
        """Connections can be stored (an encryption key is configured)."""
        return self._store is not None and self._box is not None

    async def describe(self, team_id: str) -> str:
        """The team's connection in one line, no secrets."""
        stored = await self._store.get(team_id) if self._store is not None else None
        if stored is not None:
            credentials, changed = stored
            product = PRODUCT.get(credentials.provider, credentials.provider)
            return (
                f"{product} company {credentials.company_id} at {credentials.site_url} "
                f"(connected {changed:%Y-%m-%d %H:%M} UTC)"
            )
        if self._fallback is not None:
            env = self._fallback
            return f"ConnectWise company {env.company_id} at {env.site_url} (from the environment)"
        return "not connected"

    async def connect(self, team_id: str, credentials: PsaCredentials) -> list[CheckResult]:
        """Open sealed keys, try the connection, and store it only if every check passes."""
        if self._store is None or self._box is None:
            raise PsaRejectedError(NO_KEYS)
        opened = replace(
            credentials,
            public_key=self._box.decrypt(credentials.public_key),
            private_key=self._box.decrypt(credentials.private_key),
        )
        client = self._factory(opened)
        try:
            results = await client.check()
        finally:
            await client.close()
        if results and all(r.ok for r in results):
            await self._store.put(team_id, opened, self._now())
            self.forget(team_id)
        return results

    async def disconnect(self, team_id: str) -> bool:
        """Forget the team's stored connection."""
        if self._store is None:
            return False
        gone = await self._store.delete(team_id)
        self.forget(team_id)
        return gone

    async def member_links(self, team_id: str) -> dict[str, MemberLink]:
        """The team's users mapped to PSA members."""
        if self._links is None:
            return dict(self._memory_links.get(team_id, {}))
        return await self._links.all(team_id)

    async def save_member_link(self, team_id: str, link: MemberLink) -> None:
        """Map a user to a PSA member."""
        if self._links is None:
            self._memory_links.setdefault(team_id, {})[link.user_id] = link
            return
        await self._links.put(team_id, link, self._now())

    async def drop_member_link(self, team_id: str, user_id: str) -> bool:
        """Unmap a user."""
        if self._links is None:
            return self._memory_links.get(team_id, {}).pop(user_id, None) is not None
        return await self._links.delete(team_id, user_id)

    def forget(self, team_id: str) -> None:
        """Re-read the team's connection on next use (after ``psa connect`` in this process)."""
        self._clients.pop(team_id, None)

    async def close(self) -> None:
        """Close every client."""
        seen: set[int] = set()
        for _, _, client, _ in self._clients.values():
            if client is not None and id(client) not in seen:
                seen.add(id(client))
                await client.close()
        if self._fallback_client is not None and id(self._fallback_client) not in seen:
            await self._fallback_client.close()
        self._clients.clear()

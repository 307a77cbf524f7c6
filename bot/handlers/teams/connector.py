"""Outbound calls to the Bot Connector (``{serviceUrl}v3/...``) outside any inbound turn, with retries.

The sender and the profile lookups run in the worker, long after the request that caused them was answered, so
they cannot use a turn's connector client. ``Connectors`` builds ``TeamsConnectorClient``s through the SDK's own
``RestChannelServiceClientFactory`` -- the same factory, token provider (msal, the bot's Entra app) and audience the
adapter uses for proactive sends -- one per ``serviceUrl`` (its HTTP connections are reused), rebuilt after
``CLIENT_TTL_S`` (a client carries the token it was built with; msal serves tokens from its cache until they near
expiry, so a rebuild costs no token request most of the time) and at once on a 401. A replaced client is closed
``RETIRE_S`` later, when calls still using it have finished. In anonymous mode (local development) the clients
carry no token, as the SDK's anonymous turns do.

``call`` retries what Teams documents as transient: 429 after ``Retry-After`` (else an exponential backoff), and
412/502/503/504 after the backoff, ``MAX_ATTEMPTS`` in all; anything else is raised as ``ConnectorError`` with the
status and Teams' error code for the caller to log and tell the user. The SDK itself never retries (its errors are
``aiohttp.ClientResponseError`` with the response headers and body).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from microsoft_agents.hosting.core import RestChannelServiceClientFactory
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity, Connections
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

log = logging.getLogger(__name__)
T = TypeVar("T")
CLIENT_TTL_S = 5 * 60.0
RETIRE_S = 120.0
MAX_ATTEMPTS = 4
RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})
BACKOFF_S = 0.5
MAX_WAIT_S = 60.0


class ConnectorError(Exception):
    """A connector call that failed for good: ``status`` (0 = no HTTP answer) and Teams' error ``code``."""

    def __init__(self, operation: str, status: int, code: str, detail: str = "") -> None:
        super().__init__(f"{operation} failed: HTTP {status} {code} {detail}".strip())
        self.operation, self.status, self.code = operation, status, code


def _code_of(err: aiohttp.ClientResponseError) -> str:
    try:
        body = json.loads(err.message)
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def retry_after(err: aiohttp.ClientResponseError, attempt: int) -> float:
    """Seconds to wait before the next attempt: the ``Retry-After`` header when Teams sent one, else backoff."""
    header = err.headers.get("Retry-After") if err.headers else None
    try:
        wait = float(header) if header else BACKOFF_S * 2**attempt
    except ValueError:
        wait = BACKOFF_S * 2**attempt
    return min(max(wait, 0.0), MAX_WAIT_S)


class Connectors:
    """Connector clients per ``serviceUrl`` for the bot ``app_id``; ``anonymous`` = no tokens (local development)."""

    def __init__(
        self,
        connections: Connections,
        app_id: str,
        *,
        anonymous: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._factory = RestChannelServiceClientFactory(connections)
        self._connections = connections
        self._app_id, self._anonymous, self._sleep = app_id, anonymous, sleep
        self._clients: dict[str, tuple[float, TeamsConnectorClient]] = {}
        self._building: dict[str, asyncio.Lock] = {}
        self._retired: set[TeamsConnectorClient] = set()
        self._timers: set[asyncio.Task[None]] = set()

    @property
    def bot_id(self) -> str:
        """The bot's Teams id, ``28:<app id>``."""
        return f"28:{self._app_id}"

    def _claims(self) -> ClaimsIdentity:
        if self._anonymous:
            return ClaimsIdentity()
        return ClaimsIdentity(
            {AuthenticationConstants.AUDIENCE_CLAIM: self._app_id, AuthenticationConstants.APP_ID_CLAIM: self._app_id}
        )

    async def token(self, service_url: str) -> str:
        """The bot's bearer token for ``service_url`` ("" in anonymous mode), from the SDK's token provider (msal
        serves it from its cache until it nears expiry): what connector resources such as pasted images need."""
        claims = self._claims()
        if claims.allow_anonymous:
            return ""
        provider = self._connections.get_token_provider(claims, service_url)
        return await provider.get_access_token(AuthenticationConstants.AGENTS_SDK_SCOPE, claims.get_token_scope())

    async def client(self, service_url: str) -> TeamsConnectorClient:
        """The client for ``service_url`` (built on first use, rebuilt after ``CLIENT_TTL_S``)."""
        kept = self._clients.get(service_url)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        lock = self._building.setdefault(service_url, asyncio.Lock())
        async with lock:
            kept = self._clients.get(service_url)
            if kept is not None and kept[0] > time.monotonic():
                return kept[1]
            claims = self._claims()
            built = await self._factory.create_connector_client(
                None,
                claims,
                service_url,
                AuthenticationConstants.AGENTS_SDK_SCOPE,
                claims.get_token_scope(),
                use_anonymous=claims.allow_anonymous,
            )
            if not isinstance(built, TeamsConnectorClient):  # pragma: no cover - the factory's only kind for Teams
                raise TypeError(f"unexpected connector client {type(built).__name__}")
            self._clients[service_url] = (time.monotonic() + CLIENT_TTL_S, built)
            if kept is not None:
                self._retire(kept[1])
            return built

    def _retire(self, client: TeamsConnectorClient) -> None:
        """Close ``client`` once calls still using it are done (it is no longer handed out)."""
        self._retired.add(client)

        async def close_later() -> None:
            await asyncio.sleep(RETIRE_S)
            if client in self._retired:
                self._retired.discard(client)
                await client.close()

        task = asyncio.get_running_loop().create_task(close_later())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    def _drop(self, service_url: str, client: TeamsConnectorClient) -> None:
        """Stop handing out ``client`` for ``service_url`` (the next call builds a new one)."""
        kept = self._clients.get(service_url)
        if kept is not None and kept[1] is client:
            del self._clients[service_url]
            self._retire(client)

    async def call(self, service_url: str, operation: str, run: Callable[[TeamsConnectorClient], Awaitable[T]]) -> T:
        """``run(client)`` with Teams' transient failures retried; ``ConnectorError`` when it fails for good."""
        refreshed = False
        attempt = 0
        while True:
            client = await self.client(service_url)
            try:
                return await run(client)
            except aiohttp.ClientResponseError as err:
                if err.status == 401 and not refreshed and not self._anonymous:
                    refreshed = True  # the client's token may have been revoked or expired early: fetch a new one
                    self._drop(service_url, client)
                    continue
                attempt += 1
                if err.status not in RETRY_STATUSES or attempt >= MAX_ATTEMPTS:
                    raise ConnectorError(operation, err.status, _code_of(err), err.message[:300]) from err
                wait = retry_after(err, attempt - 1)
                log.warning("Teams %s got HTTP %s; retrying in %.1f s", operation, err.status, wait)
                await self._sleep(wait)
            except (aiohttp.ClientError, TimeoutError) as err:
                attempt += 1
                if attempt >= MAX_ATTEMPTS:
                    raise ConnectorError(operation, 0, type(err).__name__, str(err)[:300]) from err
                self._drop(service_url, client)
                await self._sleep(BACKOFF_S * 2 ** (attempt - 1))

    async def close(self) -> None:
        """Close every client's HTTP session (at shutdown)."""
        for task in list(self._timers):
            task.cancel()
        clients = [client for _, client in self._clients.values()] + list(self._retired)
        self._clients.clear()
        self._retired.clear()
        for client in clients:
            await client.close()

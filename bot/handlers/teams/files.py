"""Files shared in Teams, downloaded for FlowPilot: the engine's ``FileFetcher`` port for the ``teams`` platform.

The translator keeps, in each ``FileRef``'s locator, how to reach the file (``kind``, ``url``) and the ``serviceUrl``
the activity came from:

* ``download`` -- a file attached in a 1:1 chat (``file.download.info``): its ``downloadUrl`` is pre-authorised and
  short-lived (minutes), fetched with a plain GET and **no** token. A turn that runs after it expired names the
  file as unavailable ("share it again").
* ``inline`` -- an image pasted into a message: its ``contentUrl`` (``{serviceUrl}v3/attachments/{id}/views/
  original``) needs the bot's bearer token, which comes from the SDK's token provider (``Connectors.token``; msal
  serves it from its cache), as the connector calls use.
* ``elsewhere`` -- a file Teams only points to (a channel's SharePoint, which needs Microsoft Graph): not fetched,
  the engineer is told to share it in the personal chat.

Downloads go only to Microsoft hosts over HTTPS (SharePoint/OneDrive and the Bot Framework's) or to the origin of the
activity's own ``serviceUrl`` (where the SDK already sends the token; in tests, the fake connector). Redirects are
followed by hand, only to those hosts, and the token goes only to the Bot Framework's hosts or the ``serviceUrl``
origin, never to storage hosts. The body is streamed and reading stops at the caller's cap + 1 byte: a file bigger
than the cap is never held in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.engine.events import FileRef
from bot.engine.file_fetch import FileTooLarge, FileUnavailable
from bot.handlers.downloads import read_capped
from bot.handlers.teams import texts

log = logging.getLogger(__name__)
STORAGE_DOMAINS = ("sharepoint.com", "sharepoint-df.com", "onedrive.com", "svc.ms", "1drv.ms", "live.com")
BOT_HOSTS = ("smba.trafficmanager.net",)
BOT_DOMAINS = ("botframework.com", "asm.skype.com", "teams.microsoft.com")
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 3
TIMEOUT_S = 30.0


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url`` (lower case), "" when it has none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def _on(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def token_host(url: str, service_origin: str = "") -> bool:
    """Whether the bot's token may go to ``url``: the Bot Framework's hosts over HTTPS, or the ``serviceUrl``'s
    own origin (the connector the activity came from)."""
    if service_origin and origin_of(url) == service_origin:
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host in BOT_HOSTS or _on(host, BOT_DOMAINS))


def storage_host(url: str) -> bool:
    """Whether ``url`` is Microsoft 365 storage (OneDrive, SharePoint) over HTTPS."""
    parts = urlsplit(url)
    return parts.scheme == "https" and _on((parts.hostname or "").lower(), STORAGE_DOMAINS)


def teams_host(url: str, service_origin: str = "") -> bool:
    """Whether a shared file may be downloaded from ``url``: a token host, or Microsoft 365 storage over HTTPS."""
    return storage_host(url) or token_host(url, service_origin)


class TeamsFiles:
    """Downloads Teams files; ``token_for(service_url)`` gives the bot's bearer token ("" in anonymous mode)."""

    def __init__(self, token_for: Callable[[str], Awaitable[str]], timeout: float = TIMEOUT_S) -> None:
        self._token_for = token_for
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, team_id: str, ref: FileRef, max_bytes: int) -> bytes:
        """The file's bytes (at most ``max_bytes``); ``FileTooLarge`` or ``FileUnavailable`` otherwise."""
        kind, url = ref.locator.get("kind", ""), ref.locator.get("url", "")
        service_url = ref.locator.get("service_url", "")
        if kind == "elsewhere":
            raise FileUnavailable(texts.FILE_ELSEWHERE)
        if kind not in ("download", "inline") or not url:
            raise FileUnavailable(texts.FILE_NO_LINK)
        service_origin = origin_of(service_url)
        if not teams_host(url, service_origin):
            log.warning("a Teams file link points to %s; not fetched", urlsplit(url).netloc)
            raise FileUnavailable(texts.FILE_NOT_TEAMS)
        token = ""
        if kind == "inline":
            try:
                token = await self._token_for(service_url or url)
            except Exception as err:  # no token, no image: the turn goes on without it
                log.warning("no bot token to fetch a pasted Teams image: %s", err)
                raise FileUnavailable(texts.FILE_NO_TOKEN) from err
        try:
            return await self._download(url, token, service_origin, max_bytes)
        except (TimeoutError, aiohttp.ClientError) as err:
            raise FileUnavailable(texts.FILE_NETWORK.format(error=type(err).__name__)) from err

    async def _download(self, url: str, token: str, service_origin: str, max_bytes: int) -> bytes:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"Authorization": f"Bearer {token}"} if token and token_host(url, service_origin) else {}
            async with self._session.get(url, headers=headers, allow_redirects=False) as response:
                if response.status in REDIRECTS:
                    url = urljoin(url, response.headers.get("Location", ""))
                    if not teams_host(url, service_origin):
                        log.warning("Teams redirected a file download to %s; not followed", urlsplit(url).netloc)
                        raise FileUnavailable(texts.FILE_REDIRECTED)
                    continue
                if response.status in (401, 403):
                    raise FileUnavailable(texts.FILE_REFUSED)
                if response.status in (404, 410):
                    raise FileUnavailable(texts.FILE_GONE)
                if response.status != 200:
                    raise FileUnavailable(texts.FILE_HTTP.format(status=response.status))
                if response.content_type == "text/html":
                    raise FileUnavailable(texts.FILE_SIGN_IN)
                if response.content_length is not None and response.content_length > max_bytes:
                    raise FileTooLarge(f"{response.content_length} bytes")
                return await read_capped(response.content, max_bytes)
        raise FileUnavailable(texts.FILE_REDIRECTS)

    async def close(self) -> None:
        """Close the HTTP session (at shutdown)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

"""Files shared in Slack, downloaded for FlowPilot: the engine's ``FileFetcher`` port.

Slack serves a private file (``url_private_download``) only with a bot token of a workspace that can see it (scope
``files:read``, header ``Authorization: Bearer xoxb-…``); without one it redirects to a sign-in page. The download
follows redirects itself, and only to Slack's own hosts over HTTPS (or to the host of ``SLACK_API_URL``, where
tests serve a fake), so the token is never sent anywhere else. The body is streamed and reading stops at the
caller's cap + 1 byte: a file bigger than the cap is never held in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urljoin, urlsplit

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.events import FileRef
from bot.engine.file_fetch import FileTooLarge, FileUnavailable
from bot.handlers.downloads import read_capped

log = logging.getLogger(__name__)
SLACK_DOMAINS = ("slack.com", "slack-edge.com", "slack-files.com")
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 3
TIMEOUT_S = 30.0


def slack_host(url: str, extra_origin: str = "") -> bool:
    """True for an ``https`` URL on a Slack domain, or any URL on ``extra_origin`` (``scheme://host:port``)."""
    parts = urlsplit(url)
    if extra_origin and f"{parts.scheme}://{parts.netloc}".lower() == extra_origin.lower():
        return True
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(host == d or host.endswith("." + d) for d in SLACK_DOMAINS)


class SlackFiles:
    """Downloads Slack files with the bot token of the team's workspace, over the Web API client's HTTP session
    (kept-alive connections shared with every other Slack call) when it has one."""

    def __init__(
        self, client_for: Callable[[str], Awaitable[AsyncWebClient]], api_url: str = "", timeout: float = TIMEOUT_S
    ) -> None:
        parts = urlsplit(api_url)
        self._client_for = client_for
        self._origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def fetch(self, team_id: str, ref: FileRef, max_bytes: int) -> bytes:
        """The file's bytes (at most ``max_bytes``); ``FileTooLarge`` or ``FileUnavailable`` otherwise."""
        url = ref.locator.get("url", "")
        if not url:
            raise FileUnavailable("Slack gave no download address for it")
        if not slack_host(url, self._origin):
            raise FileUnavailable("it is not stored in Slack")
        try:
            client = await self._client_for(team_id)
        except Exception as err:  # not installed, token revoked: this file cannot be read, the turn goes on
            raise FileUnavailable("the bot has no access to this Slack workspace") from err
        session = client.session
        own = session is None or session.closed
        if own:
            session = aiohttp.ClientSession()
        assert session is not None
        try:
            return await self._download(session, url, client.token or "", max_bytes)
        except (TimeoutError, aiohttp.ClientError) as err:
            raise FileUnavailable(f"network error: {type(err).__name__}") from err
        finally:
            if own:
                await session.close()

    async def _download(self, session: aiohttp.ClientSession, url: str, token: str, max_bytes: int) -> bytes:
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(MAX_REDIRECTS + 1):
            async with session.get(url, headers=headers, allow_redirects=False, timeout=self._timeout) as response:
                if response.status in REDIRECTS:
                    url = urljoin(url, response.headers.get("Location", ""))
                    if not slack_host(url, self._origin):
                        log.warning("Slack redirected a file download to %s; not followed", urlsplit(url).netloc)
                        raise FileUnavailable("Slack sent the download elsewhere")
                    continue
                if response.status in (401, 403):
                    raise FileUnavailable("Slack refused access: the bot needs the files:read scope")
                if response.status == 404:
                    raise FileUnavailable("it was deleted")
                if response.status != 200:
                    raise FileUnavailable(f"Slack answered HTTP {response.status}")
                if response.content_type == "text/html":
                    raise FileUnavailable("Slack answered with its sign-in page: the bot cannot see the file")
                if response.content_length is not None and response.content_length > max_bytes:
                    raise FileTooLarge(f"{response.content_length} bytes")
                return await read_capped(response.content, max_bytes)
        raise FileUnavailable("too many redirects")

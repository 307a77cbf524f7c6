"""Exports delivered into a 1:1 chat once the person allows it (Teams' file consent, ``file_cards``).

The inbound turn only reads the ``fileConsent/invoke`` answer and acknowledges it (HTTP 200); ``ExportUploads``
does the rest after the turn, as the worker does for everything else (ack first, think later):

* **accept** -- the answer's token must be the person's own live export (``ExportHandover.claim``: same team, the
  answering person is the one it was made for, still allowed to export; the document is rendered again now, with the
  team's redaction setting), and ``uploadUrl`` must be Microsoft 365 storage over HTTPS (OneDrive, SharePoint) or --
  as for downloads (``files``) -- the origin of the activity's own ``serviceUrl`` (the fake connector in tests). The
  bytes go in one ``PUT`` with ``Content-Range: bytes 0-(n-1)/n`` and ``Content-Length``, no token (an upload
  session URL is pre-authorised) and no redirects followed; then a file-info card shows the file in the chat.
* **decline** -- nothing is uploaded; the person gets the download link instead, when it is still theirs and live.

Either way the consent card is then replaced in place (``PUT`` of the activity the invoke's ``replyToId`` names,
as the sender updates other cards) by a line without buttons -- "Uploaded <name>" or "Not uploaded" -- so it cannot
be pressed twice. A second answer to the same card all the same (a retry, a stale card in another client, a double
click before the card changed) uploads nothing: answered tokens are remembered per person (``ANSWERED`` of them, in
this process only -- enough because the card no longer has buttons once replaced, and a token lives 15 minutes),
the card is replaced again and the person told. Whatever goes wrong is said in the chat (with the download link
when there is one) and logged without the token. Work still running at shutdown is awaited for a moment, then
cancelled (``close``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

from bot.engine.events import Actor
from bot.engine.replies import Text, View
from bot.engine.sharing.pages import Download
from bot.handlers.teams import outbound, texts
from bot.handlers.teams.connector import ConnectorError, Connectors
from bot.handlers.teams.file_cards import ConsentAnswer, UploadInfo, answered_card, info_message
from bot.handlers.teams.files import origin_of, storage_host
from bot.handlers.teams.render import RenderedMessage, render_message

log = logging.getLogger(__name__)
TIMEOUT_S = 60.0
CLOSE_WAIT_S = 10.0
SEEN = 1000  # answers (activity ids) remembered for dedupe
ANSWERED = 1000  # answered cards (team, person, token) remembered with what their card shows
DONE = frozenset({200, 201})


class Handover(Protocol):
    """What uploads need from the engine (``bot.engine.sharing.handover.ExportHandover``)."""

    def link(self, token: str) -> str:
        """The download link of ``token``."""
        ...

    async def allowed(self, token: str, team_id: str, actor: Actor) -> bool:
        """Whether ``token`` is ``actor``'s own live export in ``team_id``."""
        ...

    async def claim(self, token: str, team_id: str, actor: Actor) -> Download | None:
        """The export behind ``token``, rendered now, when ``allowed``."""
        ...


class UploadFailed(Exception):
    """The storage refused the upload; the message is for the person (an HTTP status or a network error)."""


def upload_host(url: str, service_url: str) -> bool:
    """Whether the bot may PUT a file to ``url``: Microsoft 365 storage over HTTPS, or the ``serviceUrl``'s origin."""
    origin = origin_of(service_url)
    return storage_host(url) or (bool(origin) and origin_of(url) == origin)


class ExportUploads:
    """Answers consent cards after the turn; ``observe(operation, ok)`` counts connector calls (metrics)."""

    def __init__(
        self,
        handover: Handover,
        connectors: Connectors,
        observe: Callable[[str, bool], None] | None = None,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self._handover, self._connectors = handover, connectors
        self._observe = observe or (lambda operation, ok: None)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        # (team, person, token) -> what the answered card shows ("" while the first answer is being handled).
        # In memory, per process: a second answer reaching another replica is refused by its card having no
        # buttons any more (the replacement below), not by this.
        self._answered: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    def answer(self, team_id: str, answer: ConsentAnswer, activity_id: str = "") -> None:
        """Handle ``answer`` after the turn (the caller has acknowledged the invoke). A redelivered answer (same
        activity id, seen lately by this process) is handled once; another answer to a card already answered (same
        person, same token) uploads nothing."""
        if activity_id:
            if activity_id in self._seen:
                return
            self._seen[activity_id] = None
            while len(self._seen) > SEEN:
                self._seen.popitem(last=False)
        key = (team_id, answer.actor.platform_user_id, answer.token)
        if key in self._answered:
            self._later(self._again(answer, self._answered[key]))
            return
        self._answered[key] = ""  # taken now, before any await: a double click cannot start two uploads
        while len(self._answered) > ANSWERED:
            self._answered.popitem(last=False)
        self._later(self._first(team_id, answer, key))

    def unreadable(self, conversation_id: str, service_url: str) -> None:
        """Tell the person their answer could not be read (after the turn)."""
        if conversation_id and service_url:
            self._later(self._quietly(self._notice(conversation_id, service_url, texts.CONSENT_UNREADABLE)))

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _quietly(self, work: Awaitable[None]) -> None:
        try:
            await work
        except ConnectorError as err:
            log.error("Teams could not be told about an export upload: %s", err)

    async def idle(self) -> None:
        """Wait until every answer in hand is handled (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _first(self, team_id: str, answer: ConsentAnswer, key: tuple[str, str, str]) -> None:
        shown = await self.handle(team_id, answer)
        if key in self._answered:
            self._answered[key] = shown

    async def _again(self, answer: ConsentAnswer, shown: str) -> None:
        """A card answered before: shown as answered again (a stale copy may still show buttons), and said."""
        log.info("a Teams file card was answered again; nothing more uploaded")
        if shown:
            await self._replace(answer, shown)
        await self._quietly(self._say(answer, texts.CONSENT_ANSWERED))

    async def handle(self, team_id: str, answer: ConsentAnswer) -> str:
        """Upload on accept, offer the link on decline; every outcome is said in the chat, then the consent card is
        replaced by what happened. Returns what the card now shows."""
        upload = answer.upload if answer.accepted else None
        uploaded = False
        try:
            if upload is not None:
                uploaded = await self._accept(team_id, answer, upload)
            else:
                await self._decline(team_id, answer)
        except ConnectorError as err:
            log.error("Teams could not be told about an export upload in team %s: %s", team_id, err)
        except Exception:
            log.exception("an export upload in team %s failed", team_id)
        shown = texts.CARD_UPLOADED.format(filename=upload.name) if upload and uploaded else texts.CARD_NOT_UPLOADED
        await self._replace(answer, shown)
        if upload is not None and uploaded:
            await self._quietly(self._send(answer, info_message(upload)))
        return shown

    async def _accept(self, team_id: str, answer: ConsentAnswer, upload: UploadInfo) -> bool:
        """Put the export into the upload session; True once OneDrive has it."""
        if not upload_host(upload.upload_url, answer.service_url):
            log.warning("Teams offered an upload to %s; refused", urlsplit(upload.upload_url).netloc[:100])
            await self._say(answer, texts.UPLOAD_NOT_ONEDRIVE)
            return False
        document = await self._handover.claim(answer.token, team_id, answer.actor)
        if document is None:
            await self._say(answer, texts.UPLOAD_GONE)
            return False
        try:
            await self._put(upload.upload_url, document.body.encode("utf-8"))
        except UploadFailed as err:
            log.warning("an export upload to OneDrive failed in team %s: %s", team_id, err)
            url = self._handover.link(answer.token)
            await self._say(answer, texts.UPLOAD_FAILED.format(error=err, url=url))
            return False
        return True

    async def _decline(self, team_id: str, answer: ConsentAnswer) -> None:
        if await self._handover.allowed(answer.token, team_id, answer.actor):
            await self._say(answer, texts.UPLOAD_DECLINED.format(url=self._handover.link(answer.token)))
        else:
            await self._say(answer, texts.UPLOAD_DECLINED_GONE)

    async def _put(self, url: str, body: bytes) -> None:
        """One PUT of the whole file to the upload session."""
        if not body:
            raise UploadFailed("the export was empty")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}", "Content-Length": str(len(body))}
        try:
            async with self._session.put(url, data=body, headers=headers, allow_redirects=False) as response:
                await response.read()
                if response.status not in DONE:
                    raise UploadFailed(f"HTTP {response.status}")
        except (TimeoutError, aiohttp.ClientError) as err:
            raise UploadFailed(f"network error: {type(err).__name__}") from err

    async def _say(self, answer: ConsentAnswer, text: str) -> None:
        await self._notice(answer.conversation_id, answer.service_url, text)

    async def _notice(self, conversation_id: str, service_url: str, text: str) -> None:
        for message in render_message(View((Text(text),), text)):
            await self._post(conversation_id, service_url, message)

    async def _send(self, answer: ConsentAnswer, message: RenderedMessage) -> None:
        await self._post(answer.conversation_id, answer.service_url, message)

    async def _replace(self, answer: ConsentAnswer, text: str) -> None:
        """The consent card (the invoke's ``replyToId``) becomes ``text`` without buttons; a failure is only logged
        (the card keeps its buttons, and a second answer is still refused here)."""
        if not answer.card_id:
            return
        conversation, card_id, service_url = answer.conversation_id, answer.card_id, answer.service_url
        activity = outbound.message(answered_card(text), conversation, self._connectors.bot_id, service_url, card_id)
        try:
            await self._connectors.call(
                service_url, "update", lambda c: c.conversations.update_activity(conversation, card_id, activity)
            )
        except ConnectorError as err:
            self._observe("update", False)
            log.warning("an answered Teams file card could not be replaced: %s", err)
            return
        self._observe("update", True)

    async def _post(self, conversation_id: str, service_url: str, message: RenderedMessage) -> None:
        activity = outbound.message(message, conversation_id, self._connectors.bot_id, service_url)
        try:
            await self._connectors.call(
                service_url, "send", lambda c: c.conversations.send_to_conversation(conversation_id, activity)
            )
        except ConnectorError:
            self._observe("send", False)
            raise
        self._observe("send", True)

    async def close(self) -> None:
        """Let answers in hand finish (briefly), cancel the rest, close the HTTP session."""
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=CLOSE_WAIT_S)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

"""FlowPilot's replies streamed into a Teams 1:1 chat with Teams' streaming protocol, instead of a post and edits.

Teams streams bot messages only in personal chats (learn.microsoft.com/microsoftteams/platform/bots/streaming-ux).
The sender hands this module the engine's in-progress views (``View.partial``) of one message (one ref):

1. ``begin`` -- the "thinking" placeholder: an ``informative`` update (``typing``, ``streamSequence`` 1, no id);
   Teams answers with the id of the message being streamed, the ``streamId``.
2. ``write`` -- the text so far: a ``streaming`` update with the cumulative text and the next sequence number.
   Teams asks for one request at a time and about one per second: each request waits until ``interval`` has passed
   since the previous one *finished* (as the SDK's ``StreamingResponse`` does), and text that is unchanged, or that
   does not extend what was streamed (Teams rejects streamed content that drops earlier content), is skipped.
3. ``end`` -- the finished view: a ``message`` with ``streamType`` ``final`` carrying the card, which replaces the
   streamed text. The message keeps the stream id, so later card updates (PUT) find it.

The protocol is built on the connector client (``outbound.stream_update``/``stream_final`` with the SDK's
``StreamInfo`` entity) rather than the SDK's ``StreamingResponse``: that helper lives inside one turn's
``TurnContext``, while our stream spans several deliveries of the worker (the placeholder with the command's
replies, the partial texts while the model writes, the card when the turn is applied), long after the request.

Refusals: a stream Teams will not take -- 403 ``ContentStreamNotAllowed`` (streaming off for this user or bot, the
user pressed Stop, the two-minute limit passed), 400 "streaming api is not enabled", or any other failure -- is
abandoned, never retried: ``begin`` returns "" and the caller posts the placeholder as a normal message (whose later
updates are ordinary PUT edits); a failed ``write`` only stops streaming; ``end`` returns "" when the stream cannot
carry the card, and the caller posts it as a normal message. A stream older than ``MAX_STREAM_S`` (Teams ends
streams after two minutes) is not written to any more and its card is posted normally.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from microsoft_agents.activity import Activity

from bot.engine.replies import View
from bot.handlers.teams import outbound
from bot.handlers.teams.connector import ConnectorError
from bot.handlers.teams.render import RenderedMessage, stream_text

log = logging.getLogger(__name__)
Send = Callable[[str, str, Activity], Awaitable[str]]  # (serviceUrl, conversation id, activity) -> the id Teams gave
Key = tuple[str, str]  # (team id, message ref)
INFORMATIVE_CHARS = 1000  # Teams' limit for an informative update
MAX_STREAM_S = 110.0  # Teams ends a stream two minutes after it began
MAX_STREAMS = 1000


@dataclass
class _Stream:
    conversation_id: str
    service_url: str
    stream_id: str
    started: float
    sent_at: float  # when the latest request finished
    sequence: int = 1
    text: str = ""
    broken: bool = False


class TeamsStreams:
    """Streams in progress, per (team, message ref); ``send`` posts an activity into a conversation ("" when Teams
    returned no id) and raises ``ConnectorError`` when it fails for good."""

    def __init__(
        self,
        send: Send,
        bot_id: str,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._send, self._bot_id, self._interval = send, bot_id, interval
        self._clock, self._sleep = clock, sleep
        self._streams: dict[Key, _Stream] = {}

    def live(self, key: Key) -> bool:
        """Whether a stream for this message was begun and not ended."""
        return key in self._streams

    async def begin(self, key: Key, service_url: str, conversation_id: str, view: View) -> str:
        """Start streaming the message with an informative update of ``view``; its stream id, "" when refused."""
        self._expire()
        text = stream_text(view, INFORMATIVE_CHARS) or view.fallback[:INFORMATIVE_CHARS] or "…"
        first = outbound.stream_update(text, 1, "", conversation_id, self._bot_id, service_url, informative=True)
        try:
            stream_id = await self._send(service_url, conversation_id, first)
        except ConnectorError as err:
            log.warning("Teams refused a stream in %s (%s); sending normal messages instead", conversation_id, err)
            return ""
        if not stream_id:
            log.warning("Teams gave no stream id in %s; sending normal messages instead", conversation_id)
            return ""
        now = self._clock()
        self._streams[key] = _Stream(conversation_id, service_url, stream_id, now, now)
        return stream_id

    async def write(self, key: Key, view: View) -> None:
        """Stream the text so far (skipped when unchanged, not an extension of what was streamed, or too late)."""
        stream = self._streams.get(key)
        text = stream_text(view)
        if stream is None or stream.broken or not text or text == stream.text or not text.startswith(stream.text):
            return
        if self._clock() - stream.started > MAX_STREAM_S:
            return
        activity = outbound.stream_update(
            text,
            stream.sequence + 1,
            stream.stream_id,
            stream.conversation_id,
            self._bot_id,
            stream.service_url,
            informative=False,
        )
        await self._pace(stream)
        try:
            await self._send(stream.service_url, stream.conversation_id, activity)
        except ConnectorError as err:
            log.warning("Teams stopped the stream %s (%s); the reply will be posted when done", stream.stream_id, err)
            stream.broken = True
            return
        finally:
            stream.sent_at = self._clock()
        stream.sequence, stream.text = stream.sequence + 1, text

    async def end(self, key: Key, rendered: RenderedMessage) -> str:
        """End the stream with ``rendered`` as the finished message; its id, "" when the caller must post it."""
        stream = self._streams.pop(key, None)
        if stream is None or stream.broken or self._clock() - stream.started > MAX_STREAM_S:
            return ""
        final = outbound.stream_final(
            rendered, stream.stream_id, stream.conversation_id, self._bot_id, stream.service_url
        )
        await self._pace(stream)
        try:
            await self._send(stream.service_url, stream.conversation_id, final)
        except ConnectorError as err:
            log.warning("Teams did not take the end of stream %s (%s); posting the reply", stream.stream_id, err)
            return ""
        return stream.stream_id

    def forget(self, key: Key) -> None:
        """Drop a stream without ending it (its message is being replaced another way)."""
        self._streams.pop(key, None)

    async def _pace(self, stream: _Stream) -> None:
        wait = self._interval - (self._clock() - stream.sent_at)
        if wait > 0:
            await self._sleep(wait)

    def _expire(self) -> None:
        """Forget streams Teams has ended by itself (so the table stays small)."""
        cutoff = self._clock() - MAX_STREAM_S
        for key in [k for k, s in self._streams.items() if s.started < cutoff]:
            del self._streams[key]
        if len(self._streams) >= MAX_STREAMS:
            self._streams.clear()

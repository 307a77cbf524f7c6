"""Teams' streaming protocol as the fake Bot Connector plays it (a mixin of ``FakeBotConnector``).

Rules from learn.microsoft.com/microsoftteams/platform/bots/streaming-ux ("Stream message through REST API"):

* A stream update is a ``typing`` activity POSTed to ``…/activities`` with a ``streaminfo`` entity whose
  ``streamType`` is ``informative`` or ``streaming`` and whose ``streamSequence`` is 1 for the first request and
  increases after that. The first request names no ``streamId`` and is answered 201 ``{"id": <streamId>}`` (the id
  of the message being streamed); later ones must name it and are answered 202 ``{}``. Every update needs ``text``
  (400 ``BadRequest`` "Start streaming activities should include text"); a ``streaming`` text must contain what
  was streamed before (400). A sequence number not above the last one is dropped: 202 with
  ``ContentStreamSequenceOrderPreConditionFailed``.
* The final request is a ``message`` whose ``streaminfo`` has ``streamType`` ``final``, the ``streamId`` and no
  ``streamSequence`` (else 400); answered 202 ``{}``. The message then exists under the stream id (a PUT finds it).
  Anything sent to a finished stream: 403 ``ContentStreamNotAllowed`` ("... already completed streamed message").
* Streaming works in 1:1 chats only. What Teams answers elsewhere is not documented; here: 403
  ``ContentStreamNotAllowed`` "Content stream is not allowed" (a stand-in, as is the 429 below).
* Teams asks for one request at a time, about one a second: two requests of one stream less than ``stream_gap``
  seconds apart (by arrival) get 429 ``TooManyRequests``. Teams' two-minute limit per stream is not modelled.
* ``refuse_streams(times)``: the next stream starts get 403 ``ContentStreamNotAllowed`` (streaming turned off for
  this bot or user), which a bot must survive by sending normal messages.

The ops are named ``stream`` (updates) and ``final`` in ``ConnectorCall.op``, so the ordinary fault helpers
(``fail``, ``throttle``) can target them; ``stream_calls()`` lists them in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.bot_connector import Answer, ConnectorCall

Json = dict[str, Any]
STREAM_OPS = frozenset({"stream", "final"})
UPDATE_TYPES = frozenset({"informative", "streaming"})
NOT_ALLOWED = "ContentStreamNotAllowed"


def stream_info(activity: Any) -> Json | None:
    """The ``streaminfo`` entity of an activity body, or None."""
    entities = activity.get("entities") if isinstance(activity, dict) else None
    for entity in entities if isinstance(entities, list) else ():
        if isinstance(entity, dict) and str(entity.get("type", "")).lower() == "streaminfo":
            return entity
    return None


def stream_op(activity: Any) -> str:
    """``stream`` for a stream update, ``final`` for the message that ends a stream, "" for anything else."""
    info = stream_info(activity)
    if info is None:
        return ""
    if activity.get("type") == "message" and info.get("streamType") == "final":
        return "final"
    return "stream" if activity.get("type") == "typing" else ""


@dataclass
class FakeStream:
    """One stream: where it is, the last sequence number and streamed text, and whether it ended."""

    stream_id: str
    conversation_id: str
    sequence: int
    text: str
    last_at: float
    done: bool = False


def _error(status: int, code: str, message: str) -> Answer:
    return status, {"error": {"code": code, "message": message}}


class ConnectorStreams:
    """Stream handling for the connector; ``stream_gap`` = least seconds between two requests of one stream."""

    stream_gap: float = 1.0
    log: list[ConnectorCall]  # the rest is FakeBotConnector's

    def next_id(self) -> str:
        raise NotImplementedError

    def _refuse(self, call: ConnectorCall, activity: Any, conversation_id: str) -> Answer | None:
        raise NotImplementedError

    def _keep(self, conversation_id: str, activity_id: str, activity: Json) -> None:
        raise NotImplementedError

    def _init_streams(self) -> None:
        self.streams: dict[str, FakeStream] = {}
        self._stream_refusals = 0

    def refuse_streams(self, times: int = 1) -> None:
        """Answer the next ``times`` stream starts with 403 ``ContentStreamNotAllowed``."""
        self._stream_refusals += times

    def stream_calls(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Every stream request (updates and finals, failed ones too) in order, optionally of one conversation."""
        return [c for c in self.log if c.op in STREAM_OPS and conversation_id in (None, c.conversation_id)]

    # ---- ops ----------------------------------------------------------------------------------------------------
    def _stream_checks(self, call: ConnectorCall) -> Answer | None:
        refused = self._refuse(call, call.body, call.conversation_id)
        if refused is not None:
            return refused
        if not call.conversation_id.startswith("a:"):
            return _error(403, NOT_ALLOWED, "Content stream is not allowed")
        return None

    def _known(self, call: ConnectorCall, info: Json) -> FakeStream | Answer:
        stream = self.streams.get(str(info.get("streamId") or ""))
        if stream is None or stream.conversation_id != call.conversation_id:
            return _error(404, "NotFound", "Unknown streamId for this conversation.")
        if stream.done:
            return _error(403, NOT_ALLOWED, "Content stream is not allowed on an already completed streamed message")
        if call.at - stream.last_at < self.stream_gap:
            return _error(429, "TooManyRequests", "API calls quota exceeded")
        return stream

    def _op_stream(self, call: ConnectorCall, query: Any) -> Answer:
        if (refused := self._stream_checks(call)) is not None:
            return refused
        info, text = stream_info(call.body) or {}, str(call.body.get("text") or "")
        kind, sequence = info.get("streamType", "streaming"), info.get("streamSequence")
        if kind not in UPDATE_TYPES:
            return _error(400, "BadRequest", f"Unexpected streamType {kind!r} for a typing activity")
        if not text.strip():
            return _error(400, "BadRequest", "Start streaming activities should include text")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            return _error(400, "BadRequest", "streamSequence is required")
        if not info.get("streamId"):
            if self._stream_refusals > 0:
                self._stream_refusals -= 1
                return _error(403, NOT_ALLOWED, "Content stream is not allowed")
            if sequence != 1:
                return _error(400, "BadRequest", "The first streaming request must have streamSequence 1")
            stream_id = self.next_id()
            streamed = text if kind == "streaming" else ""
            self.streams[stream_id] = FakeStream(stream_id, call.conversation_id, 1, streamed, call.at)
            return 201, {"id": stream_id}
        stream = self._known(call, info)
        if not isinstance(stream, FakeStream):
            return stream
        if sequence <= stream.sequence:
            return _error(202, "ContentStreamSequenceOrderPreConditionFailed", "PreCondition failed")
        if kind == "streaming" and not text.startswith(stream.text):
            return _error(400, "BadRequest", "Streamed content must contain the previously streamed content")
        stream.sequence, stream.last_at = sequence, call.at
        if kind == "streaming":
            stream.text = text
        return 202, {}

    def _op_final(self, call: ConnectorCall, query: Any) -> Answer:
        if (refused := self._stream_checks(call)) is not None:
            return refused
        info = stream_info(call.body) or {}
        if "streamSequence" in info:
            return _error(400, "BadRequest", "The final streaming message must not set streamSequence")
        stream = self._known(call, info)
        if not isinstance(stream, FakeStream):
            return stream
        stream.done, stream.last_at = True, call.at
        self._keep(call.conversation_id, stream.stream_id, call.body)
        return 202, {}

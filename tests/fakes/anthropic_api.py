"""A loopback fake of the Anthropic Messages API (``POST /v1/messages``), JSON or server-sent events.

Accepts the key as ``x-api-key`` or ``Authorization: Bearer`` (401 ``authentication_error`` without one), checks the
required fields (400 ``invalid_request_error``) and answers with scripted replies: a queue (``reply``,
``reply_tool``), else ``responder(request_json)``, else a short text. A reply's ``delay`` makes a slow model; when
streaming, the deltas are spread over it. ``"stream": true`` gets the real event sequence (``message_start``,
``ping``, ``content_block_start``/``_delta``/``_stop``, ``message_delta``, ``message_stop``; tool input as several
``input_json_delta`` chunks). Usage simulates prompt caching: the prefix up to each ``cache_control`` breakpoint
(tools, system, messages) is read from cache when seen before, else written; a token is 4 characters.

Faults: ``rate_limit`` (429), ``overload`` (529), ``server_error`` (500), ``fail_with`` (any), all with the real error
body and a short ``retry-after-ms``; ``Reply(stream_error=...)`` for an ``error`` event mid-stream; timeouts with the
base's ``stall_next(MESSAGES, seconds)`` (released by ``stop``). Malformed output is just a scripted reply.
Responders can use ``last_user_text`` and ``tool_names`` from ``tests.fakes.anthropic_wire``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import ClientConnectionResetError, web

from tests.fakes.anthropic_wire import (
    Json,
    PromptCache,
    error_body,
    new_id,
    request_problem,
    sse_events,
    strings,
    tool_use,
)
from tests.fakes.http_fake import LoopbackFake

MESSAGES = "/v1/messages"


@dataclass
class Reply:
    """One scripted model answer. ``stop_reason`` defaults to ``tool_use`` when a block is one, else ``end_turn``;
    ``usage`` overrides computed usage fields; ``delay`` seconds before answering (spread over the deltas when
    streaming); ``stream_error`` (e.g. ``"overloaded_error"``) ends a stream with an ``error`` event instead."""

    content: list[Json]
    stop_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0
    stream_error: str | None = None

    @classmethod
    def text(cls, text: str, **options: Any) -> Reply:
        """A reply with one text block."""
        return cls([{"type": "text", "text": text}], **options)

    @classmethod
    def tool(cls, name: str, tool_input: Json, *, text: str | None = None, **options: Any) -> Reply:
        """A reply calling tool ``name`` with ``tool_input`` (preceded by a text block when ``text`` is given)."""
        blocks = [{"type": "text", "text": text}] if text else []
        return cls([*blocks, tool_use(name, tool_input)], **options)

    @classmethod
    def of(cls, value: Reply | str | list[Json], **options: Any) -> Reply:
        """Make a reply from text, a list of content blocks or a ``Reply``; ``options`` override its fields."""
        reply = value if isinstance(value, Reply) else cls.text(value) if isinstance(value, str) else cls(list(value))
        return dataclasses.replace(reply, **options) if options else reply


ReplyLike = Reply | str | list[Json]
Responder = Callable[[Json], ReplyLike | Awaitable[ReplyLike | None] | None]


class FakeAnthropic(LoopbackFake):
    """The Messages API of one account; any non-empty key works unless ``api_key`` is given."""

    outage_body: ClassVar[Any] = error_body("api_error", "Internal server error")

    def __init__(self, api_key: str | None = None, responder: Responder | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.responder = responder
        self.replies: deque[Reply] = deque()
        self.default_text = "OK."
        self.cache = PromptCache()
        self._closing = asyncio.Event()
        self.app.router.add_post(MESSAGES, self._messages)

    @property
    def url(self) -> str:
        """The client's ``base_url``."""
        return self.base_url

    async def start(self) -> str:
        """Start serving (see ``LoopbackFake.start``)."""
        self._closing.clear()
        return await super().start()

    async def stop(self) -> None:
        """Cut short any reply delay, then stop serving."""
        self._closing.set()
        await super().stop()

    def reply(self, value: ReplyLike, **options: Any) -> Reply:
        """Queue the next answer: text, a list of content blocks or a ``Reply``; ``options`` are ``Reply`` fields."""
        reply = Reply.of(value, **options)
        self.replies.append(reply)
        return reply

    def reply_tool(self, name: str, tool_input: Json, *, text: str | None = None, **options: Any) -> Reply:
        """Queue an answer calling tool ``name`` with ``tool_input`` (which need not match the tool's schema)."""
        return self.reply(Reply.tool(name, tool_input, text=text), **options)

    def fail_with(
        self, status: int, error_type: str, message: str, *, times: int = 1, retry_after_ms: int = 10
    ) -> None:
        """Answer the next ``times`` requests with ``status`` and the API's error body (and ``retry-after-ms``)."""
        headers = {"retry-after-ms": str(retry_after_ms), "request-id": new_id("req_")}
        self.fail_next(MESSAGES, status, error_body(error_type, message), headers, times=times)

    def rate_limit(self, times: int = 1, retry_after_ms: int = 10) -> None:
        """429 ``rate_limit_error`` for the next ``times`` requests."""
        message = "This request would exceed your organization's rate limit. Please try again later."
        self.fail_with(429, "rate_limit_error", message, times=times, retry_after_ms=retry_after_ms)

    def overload(self, times: int = 1, retry_after_ms: int = 10) -> None:
        """529 ``overloaded_error`` for the next ``times`` requests."""
        self.fail_with(529, "overloaded_error", "Overloaded", times=times, retry_after_ms=retry_after_ms)

    def server_error(self, times: int = 1, retry_after_ms: int = 10) -> None:
        """500 ``api_error`` for the next ``times`` requests."""
        self.fail_with(500, "api_error", "Internal server error", times=times, retry_after_ms=retry_after_ms)

    def clear_cache(self) -> None:
        """Forget every cached prompt prefix (as if the cache TTL expired)."""
        self.cache.entries.clear()

    @property
    def requests(self) -> list[Json]:
        """The JSON bodies of every ``/v1/messages`` request, retries and failed ones included."""
        return [c.json for c in self.calls_to(MESSAGES) if isinstance(c.json, dict)]

    @property
    def last_request(self) -> Json:
        """The body of the latest request."""
        return self.requests[-1]

    def last_system_text(self) -> str:
        """The latest request's system prompt as text (text blocks joined by newlines)."""
        return "\n".join(strings(self.last_request.get("system")))

    def all_sent_text(self) -> str:
        """Every string sent in ``system`` and ``messages`` (text, tool inputs and tool results) of every request,
        one per line: ``assert secret not in fake.all_sent_text()``."""
        return "\n".join(
            s for body in self.requests for part in ("system", "messages") for s in strings(body.get(part))
        )

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        key = request.headers.get("x-api-key") or bearer
        if not key:
            return _error(401, "authentication_error", "x-api-key header is required")
        if self.api_key is not None and key != self.api_key:
            return _error(401, "authentication_error", "invalid x-api-key")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "invalid_request_error", "The request body is not valid JSON.")
        problem = request_problem(body)
        if problem:
            return _error(400, "invalid_request_error", problem)
        reply = await self._next_reply(body)
        content = [b | {"id": b.get("id") or new_id("toolu_")} if b["type"] == "tool_use" else b for b in reply.content]
        stop_reason = reply.stop_reason or ("tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn")
        message = {"id": new_id("msg_"), "type": "message", "role": "assistant", "model": body["model"]}
        message |= {"content": content, "stop_reason": stop_reason, "stop_sequence": None}
        message["usage"] = self.cache.usage(body, content) | reply.usage
        if body.get("stream"):
            return await self._stream(request, message, reply)
        await self._pause(reply.delay)
        return web.json_response(message, headers={"request-id": new_id("req_")})

    async def _next_reply(self, body: Json) -> Reply:
        if self.replies:
            return self.replies.popleft()
        if self.responder is not None:
            value = self.responder(body)
            if inspect.isawaitable(value):
                value = await value
            if value is not None:
                return Reply.of(value)
        return Reply.text(self.default_text)

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    async def _stream(self, request: web.Request, message: Json, reply: Reply) -> web.StreamResponse:
        headers = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
        response = web.StreamResponse(headers=headers | {"request-id": new_id("req_")})
        await response.prepare(request)
        events = list(sse_events(message, reply.stream_error))
        deltas = sum(1 for name, _ in events if name == "content_block_delta")
        step = reply.delay / deltas if deltas else 0.0
        await self._pause(0.0 if deltas else reply.delay)
        with contextlib.suppress(ConnectionResetError, ClientConnectionResetError):
            for name, data in events:
                if name == "content_block_delta":
                    await self._pause(step)
                if self._closing.is_set():
                    return response
                await response.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            await response.write_eof()
        return response


def _error(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response(error_body(error_type, message), status=status, headers={"request-id": new_id("req_")})

"""Wire-format helpers for the fake Anthropic Messages API (``tests.fakes.anthropic_api``).

Ids, error bodies, request validation, the rough token count, the prompt-cache simulation and the server-sent event
sequence of a streamed message. Written from the platform fact sheet and observed SDK behaviour, not vendor code.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import string
from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]
_ALPHABET = string.ascii_letters + string.digits
_SKIPPED_KEYS = {"type", "role", "id", "tool_use_id", "cache_control", "media_type", "signature"}


def new_id(prefix: str) -> str:
    """An id shaped like Anthropic's, e.g. ``msg_01…`` or ``toolu_01…``."""
    return prefix + "01" + "".join(secrets.choice(_ALPHABET) for _ in range(22))


def error_body(error_type: str, message: str) -> Json:
    """The API's error body: ``{"type": "error", "error": {"type": …, "message": …}}``."""
    return {"type": "error", "error": {"type": error_type, "message": message}}


def count_tokens(text: str) -> int:
    """The fake's rough token count: one token per 4 characters."""
    return (len(text) + 3) // 4


def tool_use(name: str, tool_input: Json, tool_id: str | None = None) -> Json:
    """A ``tool_use`` content block (id generated when not given)."""
    return {"type": "tool_use", "id": tool_id or new_id("toolu_"), "name": name, "input": tool_input}


def last_user_text(body: Json) -> str:
    """The text of the request's last user message (text blocks and tool results), for responders."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            return "\n".join(strings(message.get("content")))
    return ""


def tool_names(body: Json) -> list[str]:
    """The names of the tools offered in a request, for responders."""
    return [t.get("name", "") for t in body.get("tools") or []]


def request_problem(body: Any) -> str | None:
    """Why the API would reject ``body`` with 400 ``invalid_request_error`` (``None`` when it is acceptable)."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return f"{name}: Field required"
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        return "max_tokens: Input should be a positive integer"
    messages = body["messages"]
    if not isinstance(messages, list) or not all(isinstance(m, dict) and "content" in m for m in messages):
        return "messages: Input should be a list of messages with content"
    if any(m.get("role") not in ("user", "assistant") for m in messages):
        return "messages: Unexpected role. Allowed roles are 'user' or 'assistant'"
    return None


def strings(value: Any) -> Iterator[str]:
    """Every string leaf of a JSON value, skipping structural fields (types, roles, ids, cache_control)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _SKIPPED_KEYS:
                yield from strings(item)


def prompt_pieces(body: Json) -> list[tuple[str, bool]]:
    """The prompt in cache-prefix order (tools, system, messages) as (serialized piece, is a breakpoint)."""

    def piece(value: Any, **extra: Any) -> tuple[str, bool]:
        marked = isinstance(value, dict) and "cache_control" in value
        if marked:
            value = {k: v for k, v in value.items() if k != "cache_control"}
        return json.dumps({**extra, "v": value}, sort_keys=True), marked

    system = body.get("system") or []
    pieces = [piece(tool) for tool in body.get("tools") or []]
    pieces += [piece(block) for block in ([system] if isinstance(system, str) else system)]
    for message in body["messages"]:
        content = message["content"]
        pieces += [piece(b, role=message["role"]) for b in ([content] if isinstance(content, str) else content)]
    if body.get("cache_control") and pieces:
        pieces[-1] = (pieces[-1][0], True)
    return pieces


class PromptCache:
    """Simulated prompt caching. The prompt prefix up to each ``cache_control`` breakpoint (and the model) is a cache
    entry: the longest entry seen before is read from cache, the rest up to the last breakpoint is written; prefixes
    shorter than ``min_tokens`` are not cached. Usage counts one token per 4 characters of serialized prompt."""

    def __init__(self, min_tokens: int = 0) -> None:
        self.min_tokens = min_tokens
        self.entries: set[str] = set()

    def usage(self, body: Json, content: list[Json]) -> Json:
        """The ``usage`` object for answering ``body`` with ``content`` (and remember the request's prefixes)."""
        digest = hashlib.sha256(str(body["model"]).encode())
        total = read = written = 0
        for text, breakpoint in prompt_pieces(body):
            digest.update(text.encode() + b"\x00")
            total += count_tokens(text)
            if breakpoint and total >= self.min_tokens:
                key = digest.copy().hexdigest()
                read = total if key in self.entries else read
                written = total
                self.entries.add(key)
        written = max(written - read, 0)
        output = sum(count_tokens(b.get("text") or json.dumps(b.get("input", b))) for b in content)
        usage: Json = {"input_tokens": total - read - written, "output_tokens": max(output, 1)}
        usage |= {"cache_creation_input_tokens": written, "cache_read_input_tokens": read}
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": written, "ephemeral_1h_input_tokens": 0}
        return usage | {"service_tier": "standard"}


def sse_events(message: Json, stream_error: str | None) -> Iterator[tuple[str, Json]]:
    """The SSE events streaming ``message``: text in chunks of a few words, tool input JSON in about four pieces."""
    usage = message["usage"]
    start = message | {"content": [], "stop_reason": None, "usage": usage | {"output_tokens": 1}}
    yield "message_start", {"type": "message_start", "message": start}
    yield "ping", {"type": "ping"}
    for index, block in enumerate(message["content"]):
        first, deltas = block, []
        if block["type"] == "text":
            words = re.findall(r"\S*\s*", block["text"])
            chunks = ["".join(words[i : i + 3]) for i in range(0, len(words), 3)]
            first, deltas = block | {"text": ""}, [{"type": "text_delta", "text": c} for c in chunks if c]
        elif block["type"] == "tool_use":
            raw = json.dumps(block["input"])
            size = max(1, -(-len(raw) // 4))
            chunks = [raw[i : i + size] for i in range(0, len(raw), size)]
            first, deltas = block | {"input": {}}, [{"type": "input_json_delta", "partial_json": c} for c in chunks]
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": first}
        for delta in deltas:
            yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    if stream_error:
        yield "error", error_body(stream_error, stream_error.replace("_", " ").capitalize())
        return
    ending: Json = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    yield "message_delta", {"type": "message_delta", "delta": ending, "usage": usage}
    yield "message_stop", {"type": "message_stop"}

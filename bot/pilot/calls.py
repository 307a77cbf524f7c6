"""One Messages API call: the request, optional streaming of the visible text, usage, and error mapping.

Every SDK error (status errors after the SDK's own retries, connection errors, timeouts) becomes
``CopilotUnavailable`` with a short message that holds no secret. ``repair_messages`` builds the follow-up that
hands a rejected output back to the model together with what was wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

import anthropic
import httpx2  # the Anthropic SDK's HTTP client
from anthropic.types import Message, MessageParam, TextBlockParam, ToolChoiceParam, ToolParam

from bot.engine.copilot import CopilotUnavailable, ModelTier, Purpose, TextSink
from bot.pilot.clean import stream_preview
from bot.pilot.context import redacted

log = logging.getLogger(__name__)
Json = dict[str, Any]
STREAM_STEP = 40  # characters of new text between two previews


@dataclass(frozen=True, slots=True)
class Call:
    """What to send: the tier and purpose (for routing and metrics) and the request body's parts."""

    purpose: Purpose
    tier: ModelTier
    system: list[Json]
    messages: list[Json]
    max_tokens: int
    tools: list[Json] = field(default_factory=list)
    tool_choice: Json | None = None

    def forced(self, tool: str, messages: list[Json]) -> Call:
        """The same call with other messages and the model made to call ``tool``."""
        return replace(self, messages=messages, tool_choice={"type": "tool", "name": tool})


def usage_of(message: Message) -> dict[str, int]:
    """Token counts by kind: input, output, cache_read, cache_creation."""
    u = message.usage
    return {
        "input": u.input_tokens,
        "output": u.output_tokens,
        "cache_read": u.cache_read_input_tokens or 0,
        "cache_creation": u.cache_creation_input_tokens or 0,
    }


def text_of(message: Message) -> str:
    """The prose of a reply: its text blocks, joined."""
    return "\n\n".join(b.text for b in message.content if b.type == "text" and b.text.strip())


def _unavailable(err: anthropic.APIError) -> CopilotUnavailable:
    if isinstance(err, anthropic.APITimeoutError):
        return CopilotUnavailable("the model did not answer in time")
    if isinstance(err, anthropic.APIConnectionError):
        return CopilotUnavailable("the model API could not be reached")
    if isinstance(err, anthropic.APIStatusError):
        return CopilotUnavailable(f"the model API answered {err.status_code} ({err.type or 'error'})")
    return CopilotUnavailable(f"the model API failed ({type(err).__name__})")


def _kwargs(call: Call, model: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": model,
        "max_tokens": call.max_tokens,
        "system": cast("list[TextBlockParam]", call.system),
        "messages": cast("list[MessageParam]", call.messages),
    }
    if call.tools:
        kwargs["tools"] = cast("list[ToolParam]", call.tools)
    if call.tool_choice is not None:
        kwargs["tool_choice"] = cast("ToolChoiceParam", call.tool_choice)
    return kwargs


class _Preview:
    """Feeds a ``TextSink`` the visible text so far, every ``STREAM_STEP`` characters; a failing sink is dropped."""

    def __init__(self, sink: TextSink) -> None:
        self.sink: TextSink | None = sink
        self.shown = ""
        self.pending = 0

    async def update(self, raw: str) -> None:
        """Show the visible part of ``raw`` if it changed."""
        if self.sink is None:
            return
        preview = stream_preview(raw)
        if preview and preview != self.shown:
            self.shown = preview
            try:
                await self.sink(preview)
            except Exception:  # the chat platform failed; the turn itself goes on
                log.warning("stream sink failed; no more previews for this reply", exc_info=True)
                self.sink = None


async def send(client: anthropic.AsyncAnthropic, call: Call, model: str, sink: TextSink | None = None) -> Message:
    """Make the call (streamed when ``sink`` is given); raises ``CopilotUnavailable`` on any API failure."""
    kwargs = _kwargs(call, model)
    try:
        if sink is None:
            reply: Message = await client.messages.create(**kwargs)
            return reply
        preview = _Preview(sink)
        async with client.messages.stream(**kwargs) as stream:
            async for event in stream:
                if event.type != "text":
                    continue
                preview.pending += len(event.text)
                if preview.pending >= STREAM_STEP:
                    preview.pending = 0
                    await preview.update(text_of(stream.current_message_snapshot))
            message = await stream.get_final_message()
        await preview.update(text_of(message))
        return message
    except anthropic.APIError as err:
        raise _unavailable(err) from None
    except httpx2.TimeoutException:  # raised while reading a stream: the SDK wraps only errors before the answer
        raise CopilotUnavailable("the model did not answer in time") from None
    except httpx2.TransportError:  # the connection dropped mid-stream
        raise CopilotUnavailable("the model API connection was lost") from None


def _redact_json(value: Any) -> Any:
    if isinstance(value, str):
        return redacted(value)
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _redact_json(v) for k, v in value.items()}
    return value


def repair_messages(messages: list[Json], reply: Message, tool: str, problem: str) -> list[Json]:
    """``messages`` followed by the rejected ``reply`` and a request to call ``tool`` again, fixing ``problem``."""
    said: list[Json] = []
    results: list[Json] = []
    fix = f"Call {tool} again with complete, corrected input. Problem: {problem}"
    for block in reply.content:
        if block.type == "text" and block.text.strip():
            said.append({"type": "text", "text": redacted(block.text)})
        elif block.type == "tool_use":
            said.append({"type": "tool_use", "id": block.id, "name": block.name, "input": _redact_json(block.input)})
            results.append({"type": "tool_result", "tool_use_id": block.id, "is_error": True, "content": fix})
    ask = results or [{"type": "text", "text": f"You did not call {tool}. {fix}"}]
    if said:
        return [*messages, {"role": "assistant", "content": said}, {"role": "user", "content": ask}]
    last = messages[-1]
    return [*messages[:-1], {"role": "user", "content": [*last["content"], *ask]}]

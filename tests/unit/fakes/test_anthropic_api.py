"""The fake Anthropic Messages API answers the real ``anthropic`` SDK (async client) the way the API does."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anthropic
import pytest

from tests.fakes.anthropic_api import MESSAGES, FakeAnthropic, Reply
from tests.fakes.anthropic_wire import last_user_text, tool_names

MODEL = "claude-haiku-5-5"
KEY = "sk-ant-test-key"
USER = [{"role": "user", "content": "The printer on floor 2 is offline."}]
TOOL = {
    "name": "set_status",
    "description": "Set the ticket status.",
    "input_schema": {"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]},
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(api_key=KEY) as server:
        yield server


@pytest.fixture
async def client(fake: FakeAnthropic) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=2) as sdk:
        yield sdk


async def test_plain_text_reply(fake: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    fake.reply("Power-cycle the printer.", usage={"output_tokens": 7})
    message = await client.messages.create(model=MODEL, max_tokens=256, system="You are a helpdesk bot.", messages=USER)
    assert message.model == MODEL and message.id.startswith("msg_01") and message.role == "assistant"
    assert message.content[0].type == "text" and message.content[0].text == "Power-cycle the printer."
    assert message.stop_reason == "end_turn" and message.usage.output_tokens == 7
    assert message.usage.input_tokens > 0 and message.usage.cache_read_input_tokens == 0
    call = fake.calls_to(MESSAGES)[0]
    assert call.headers["authorization"] == f"Bearer {KEY}" and "anthropic-version" in call.headers
    assert fake.last_request["max_tokens"] == 256 and fake.last_system_text() == "You are a helpdesk bot."

    fake.reply(Reply.text("later"))
    assert (await client.messages.create(model=MODEL, max_tokens=8, messages=USER)).content[0].text == "later"
    assert (await client.messages.create(model=MODEL, max_tokens=8, messages=USER)).content[0].text == "OK."


async def test_tool_use_reply_and_malformed_input_pass_through(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_tool("set_status", {"status": "Resolved"}, text="Closing it.")
    fake.reply_tool("set_status", {"state": 5})  # does not match the schema: malformed output is just a script
    fake.reply("not json {")  # plain text although a tool was forced
    forced: Any = {"type": "tool", "name": "set_status"}
    first = await client.messages.create(model=MODEL, max_tokens=64, messages=USER, tools=[TOOL])
    assert [b.type for b in first.content] == ["text", "tool_use"] and first.stop_reason == "tool_use"
    block = first.content[1]
    assert block.type == "tool_use" and block.id.startswith("toolu_01") and block.input == {"status": "Resolved"}
    second = await client.messages.create(model=MODEL, max_tokens=64, messages=USER, tools=[TOOL], tool_choice=forced)
    assert second.content[0].type == "tool_use" and second.content[0].input == {"state": 5}
    third = await client.messages.create(model=MODEL, max_tokens=64, messages=USER, tools=[TOOL], tool_choice=forced)
    assert third.content[0].type == "text" and third.stop_reason == "end_turn"
    assert fake.last_request["tool_choice"] == forced and fake.last_request["tools"][0]["name"] == "set_status"


async def test_stream_helper_yields_text_deltas_and_final_message(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    text = "Open the print queue, clear the stuck job, then power-cycle the printer and print a test page."
    fake.reply(text)
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=USER) as stream:
        chunks = [chunk async for chunk in stream.text_stream]
        final = await stream.get_final_message()
    assert len(chunks) > 3 and "".join(chunks) == text
    assert final.content[0].type == "text" and final.content[0].text == text
    assert final.stop_reason == "end_turn" and final.model == MODEL and final.usage.output_tokens > 1
    assert fake.last_request["stream"] is True
    assert fake.calls_to(MESSAGES)[0].headers.get("x-stainless-helper-method") == "stream"


async def test_stream_helper_assembles_tool_input_from_json_chunks(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    arguments = {"status": "Waiting on Customer", "note": "Asked Pat to confirm the printer is back online."}
    fake.reply_tool("set_status", arguments)
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=USER, tools=[TOOL]) as stream:
        final = await stream.get_final_message()
    block = final.content[0]
    assert block.type == "tool_use" and block.name == "set_status" and block.input == arguments
    assert final.stop_reason == "tool_use"


async def test_raw_create_stream_sends_the_real_event_sequence(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply(
        [
            {"type": "text", "text": "Setting it."},
            {"type": "tool_use", "name": "set_status", "input": {"status": "Closed"}},
        ]
    )
    events = [
        event async for event in await client.messages.create(model=MODEL, max_tokens=64, messages=USER, stream=True)
    ]
    types = [e.type for e in events]
    assert types[0] == "message_start" and types[-2:] == ["message_delta", "message_stop"]
    assert types.count("content_block_start") == 2 and types.count("content_block_stop") == 2
    json_parts = [
        e.delta.partial_json for e in events if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert len(json_parts) > 1 and "".join(json_parts) == '{"status": "Closed"}'
    delta = next(e for e in events if e.type == "message_delta")
    assert delta.delta.stop_reason == "tool_use" and delta.usage.output_tokens > 0


@pytest.mark.parametrize(("script", "status"), [("rate_limit", 429), ("overload", 529), ("server_error", 500)])
async def test_errors_are_retried_by_the_sdk(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic, script: str, status: int
) -> None:
    getattr(fake, script)()
    started = time.monotonic()
    message = await client.messages.create(model=MODEL, max_tokens=16, messages=USER)
    assert message.content[0].type == "text" and time.monotonic() - started < 1.0  # retry-after-ms is honoured
    assert len(fake.requests) == 2 and fake.calls_to(MESSAGES)[1].headers["x-stainless-retry-count"] == "1"


async def test_errors_surface_with_type_when_retries_run_out(fake: FakeAnthropic) -> None:
    fake.overload(times=2)
    async with anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=1) as sdk:
        with pytest.raises(anthropic.OverloadedError) as err:
            await sdk.messages.create(model=MODEL, max_tokens=16, messages=USER)
        assert err.value.status_code == 529 and err.value.type == "overloaded_error" and len(fake.requests) == 2
        fake.rate_limit()
        with pytest.raises(anthropic.RateLimitError) as limited:
            await sdk.with_options(max_retries=0).messages.create(model=MODEL, max_tokens=16, messages=USER)
        assert isinstance(limited.value.body, dict) and limited.value.body["type"] == "error"
        assert (
            limited.value.body["error"]["type"] == "rate_limit_error"
            and limited.value.response.headers["retry-after-ms"]
        )


async def test_auth_and_validation_errors(fake: FakeAnthropic) -> None:
    async with anthropic.AsyncAnthropic(api_key="wrong", base_url=fake.url, max_retries=0) as sdk:
        with pytest.raises(anthropic.AuthenticationError):
            await sdk.messages.create(model=MODEL, max_tokens=16, messages=USER)
    body = {"model": MODEL, "max_tokens": 16, "messages": USER}
    async with aiohttp.ClientSession() as http:
        async with http.post(fake.url + MESSAGES, json=body) as missing:
            assert missing.status == 401 and (await missing.json())["error"]["type"] == "authentication_error"
        async with http.post(fake.url + MESSAGES, json=body, headers={"x-api-key": KEY}) as ok:
            assert ok.status == 200 and (await ok.json())["type"] == "message"
        async with http.post(fake.url + MESSAGES, json={"model": MODEL}, headers={"x-api-key": KEY}) as bad:
            assert bad.status == 400 and (await bad.json())["error"]["type"] == "invalid_request_error"


async def test_timeout_when_the_answer_is_held_back(fake: FakeAnthropic) -> None:
    fake.stall_next(MESSAGES, 30)
    async with anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=0, timeout=0.3) as sdk:
        with pytest.raises(anthropic.APITimeoutError):
            await sdk.messages.create(model=MODEL, max_tokens=16, messages=USER)
    assert len(fake.requests) == 1


async def test_slow_model_spreads_stream_deltas_over_the_delay(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply("one two three four five six seven eight nine ten eleven twelve", delay=0.4)
    started = time.monotonic()
    arrivals = []
    async with client.messages.stream(model=MODEL, max_tokens=64, messages=USER) as stream:
        async for _ in stream.text_stream:
            arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 4 and 0.05 < arrivals[0] < arrivals[-1] and 0.35 < arrivals[-1] < 1.5
    fake.reply("slow", delay=5)  # stop() cuts a pending delay short, so a timed-out test does not hang teardown
    with pytest.raises(anthropic.APITimeoutError):
        await client.with_options(timeout=0.2, max_retries=0).messages.create(model=MODEL, max_tokens=8, messages=USER)


async def test_error_event_mid_stream_raises(fake: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    fake.reply("Partial answer that never finishes", stream_error="overloaded_error")
    with pytest.raises(anthropic.APIStatusError) as err:
        async with client.messages.stream(model=MODEL, max_tokens=64, messages=USER) as stream:
            async for _ in stream.text_stream:
                pass
    assert err.value.type == "overloaded_error" and len(fake.requests) == 1


async def test_cache_simulation_reports_written_then_read_prefix(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    system: Any = [{"type": "text", "text": "Runbook. " * 200, "cache_control": {"type": "ephemeral"}}]
    tools: Any = [TOOL]
    first = await client.messages.create(model=MODEL, max_tokens=8, system=system, tools=tools, messages=USER)
    usage = first.usage
    assert usage.cache_creation_input_tokens and usage.cache_creation_input_tokens > 400
    assert usage.cache_read_input_tokens == 0 and 0 < usage.input_tokens < 50
    other = [{"role": "user", "content": "Outlook keeps asking for a password, what now?"}]
    second = await client.messages.create(model=MODEL, max_tokens=8, system=system, tools=tools, messages=other)
    assert second.usage.cache_read_input_tokens == usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0 and second.usage.input_tokens > usage.input_tokens

    # a second breakpoint on the conversation: the system prefix is read, the conversation part written
    turn: Any = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Ticket 4711 history " * 50, "cache_control": {"type": "ephemeral"}}],
        }
    ]
    third = await client.messages.create(model=MODEL, max_tokens=8, system=system, tools=tools, messages=turn)
    assert third.usage.cache_read_input_tokens == usage.cache_creation_input_tokens
    assert third.usage.cache_creation_input_tokens and third.usage.cache_creation_input_tokens > 200
    changed: Any = [system[0] | {"text": "Runbook v2. " * 200}]
    fourth = await client.messages.create(model=MODEL, max_tokens=8, system=changed, tools=tools, messages=USER)
    assert fourth.usage.cache_read_input_tokens == 0 and fourth.usage.cache_creation_input_tokens

    fake.clear_cache()
    auto = await client.messages.create(model=MODEL, max_tokens=8, messages=USER, cache_control={"type": "ephemeral"})
    again = await client.messages.create(model=MODEL, max_tokens=8, messages=USER, cache_control={"type": "ephemeral"})
    assert (
        auto.usage.cache_creation_input_tokens
        and again.usage.cache_read_input_tokens == auto.usage.cache_creation_input_tokens
    )
    assert again.usage.input_tokens == 0


async def test_responder_scripts_replies_from_the_request(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    def responder(body: dict[str, Any]) -> Reply | str | None:
        if "set_status" in tool_names(body):
            return Reply.tool("set_status", {"status": "Resolved"})
        return f"echo: {last_user_text(body)}" if "printer" in last_user_text(body) else None

    fake.responder = responder
    fake.reply("queued first")
    assert (await client.messages.create(model=MODEL, max_tokens=8, messages=USER)).content[0].text == "queued first"
    echoed = await client.messages.create(model=MODEL, max_tokens=8, messages=USER)
    assert echoed.content[0].type == "text" and echoed.content[0].text == "echo: " + USER[0]["content"]
    tooled = await client.messages.create(model=MODEL, max_tokens=8, messages=USER, tools=[TOOL])
    assert tooled.content[0].type == "tool_use" and tooled.stop_reason == "tool_use"
    other = [{"role": "user", "content": "hello"}]
    assert (await client.messages.create(model=MODEL, max_tokens=8, messages=other)).content[0].text == "OK."


async def test_sent_text_helpers_cover_system_messages_and_tool_results(
    fake: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    system: Any = [{"type": "text", "text": "Policy A."}, {"type": "text", "text": "Policy B."}]
    messages: Any = [
        *USER,
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_01x", "name": "lookup", "input": {"q": "floor 2"}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_01x", "content": "IP 10.0.0.7 [redacted]"}],
        },
    ]
    await client.messages.create(model=MODEL, max_tokens=8, system=system, messages=messages)
    assert fake.last_system_text() == "Policy A.\nPolicy B."
    sent = fake.all_sent_text()
    assert "IP 10.0.0.7 [redacted]" in sent and "floor 2" in sent and "Policy B." in sent and "printer" in sent
    assert "hunter2" not in sent and "toolu_01x" not in sent

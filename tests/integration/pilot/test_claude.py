"""``ClaudeCopilot`` over real HTTP with the real SDK: turns, streaming, repair, degradation, errors, routing."""

from __future__ import annotations

import itertools
import time
from typing import Any

import anthropic
import pytest

from bot.engine.copilot import (
    BriefItem,
    Copilot,
    CopilotUnavailable,
    DocKind,
    ModelTier,
    StatusKind,
    TurnKind,
)
from bot.flows.loader import bundled_samples_dir
from bot.metrics import Metrics
from bot.pilot import schema
from bot.pilot.claude import ClaudeCopilot
from tests.fakes.anthropic_api import MESSAGES, FakeAnthropic, Reply
from tests.integration.pilot.support import DEEP, FAST, KEY, TURN_INPUTS, Observed, make_brief

PROSE = "Let's check whether the cached Office token is stale before changing anything."


@pytest.mark.parametrize("kind", sorted(TURN_INPUTS))
async def test_each_turn_kind_round_trips(
    fake: FakeAnthropic, copilot: ClaudeCopilot, observed: Observed, kind: str
) -> None:
    fake.reply_tool(schema.TURN_TOOL, TURN_INPUTS[kind], text=PROSE)
    result = await copilot.turn(make_brief(), ModelTier.FAST)
    assert result.kind is TurnKind(kind) and result.message == PROSE and result.tier == "fast"
    assert result.confidence == TURN_INPUTS[kind]["confidence"]
    request = fake.last_request
    assert request["model"] == FAST and request["tool_choice"] == {"type": "auto"}
    assert [t["name"] for t in request["tools"]] == [schema.TURN_TOOL]
    assert len(fake.requests) == 1 and observed.calls[0][:2] == ("fast", "turn") and observed.calls[0][3] is True


async def test_turn_parts_arrive_as_engine_types(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    tool_input = TURN_INPUTS["action"] | {
        "promote": ["Only one user is affected.", "OWA works."],
        "suggest_fix": [{"title": "Clear the token", "parameters": [{"name": "Pw", "value": "x", "type": "password"}]}],
        "fix_outcome": {"status": "applied_partial", "reason": "Prompts less often."},
        "triage_update": {"asset_name": "LAPTOP-<n>", "issue_category": "Email"},
    }
    fake.reply_tool(schema.TURN_TOOL, tool_input, text=PROSE)
    result = await copilot.turn(make_brief(), ModelTier.DEEP)
    assert result.checks[0].command == "cmdkey /list" and result.promote[1] == "OWA works."
    assert result.fixes[0].parameters[0].secret and result.fixes[0].parameters[0].value == ""
    assert result.outcome is not None and result.outcome.status.value == "applied_partial"
    assert result.triage is not None and result.triage.issue_category == "Email"
    assert result.tier == "deep" and fake.last_request["model"] == DEEP


async def test_the_copilot_satisfies_the_port(copilot: ClaudeCopilot) -> None:
    port: Copilot = copilot
    assert port.mode == "claude"


async def test_streaming_feeds_the_sink_growing_visible_text(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    prose = " ".join(f"Step {i}: look at the sign-in logs for the user and compare the timestamps." for i in range(8))
    leaked = prose + '\nQUESTIONS: [{"text": "Does OWA work?", "options": ["Yes", "No"]}]'
    fake.reply_tool(schema.TURN_TOOL, TURN_INPUTS["question"], text=leaked)
    seen: list[str] = []

    async def sink(text: str) -> None:
        seen.append(text)

    result = await copilot.turn(make_brief(), ModelTier.FAST, stream=sink)
    assert fake.last_request["stream"] is True
    assert len(seen) > 3 and all(b.startswith(a) and len(b) > len(a) for a, b in itertools.pairwise(seen))
    assert seen[-1] == prose == result.message
    assert not any("QUESTIONS" in s or "{" in s for s in seen)


async def test_a_failing_sink_does_not_fail_the_turn(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    fake.reply_tool(schema.TURN_TOOL, TURN_INPUTS["chat"], text=PROSE * 3)

    async def broken(text: str) -> None:
        raise RuntimeError("chat.update failed")

    assert (await copilot.turn(make_brief(), ModelTier.FAST, stream=broken)).message == (PROSE * 3)


async def test_invalid_tool_input_gets_one_repair_call(
    fake: FakeAnthropic, copilot: ClaudeCopilot, observed: Observed
) -> None:
    fake.reply_tool(schema.TURN_TOOL, {"kind": "question", "confidence": 0.3}, text=PROSE)  # no questions
    fake.reply_tool(schema.TURN_TOOL, TURN_INPUTS["question"])
    seen: list[str] = []

    async def sink(text: str) -> None:
        seen.append(text)

    result = await copilot.turn(make_brief(), ModelTier.FAST, stream=sink)
    assert result.kind is TurnKind.QUESTION and result.message == PROSE and result.questions[0].text == "Does OWA work?"
    first, repair = fake.requests
    assert first["stream"] is True and "stream" not in repair
    assert repair["tool_choice"] == {"type": "tool", "name": schema.TURN_TOOL}
    assert repair["messages"][:-2] == first["messages"]
    bad, ask = repair["messages"][-2:]
    assert bad["role"] == "assistant" and [b["type"] for b in bad["content"]] == ["text", "tool_use"]
    (tool_result,) = ask["content"]
    assert tool_result["type"] == "tool_result" and tool_result["is_error"] is True
    assert "needs at least one entry in questions" in tool_result["content"]
    assert [(c[1], c[3]) for c in observed.calls] == [("turn", False), ("turn", True)]


async def test_no_tool_call_is_repaired_too(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    fake.reply(PROSE)
    fake.reply_tool(schema.TURN_TOOL, TURN_INPUTS["chat"])
    result = await copilot.turn(make_brief(), ModelTier.FAST)
    assert result.kind is TurnKind.CHAT and result.message == PROSE
    ask = fake.last_request["messages"][-1]["content"]
    assert ask[-1]["type"] == "text" and f"did not call {schema.TURN_TOOL}" in ask[-1]["text"]


async def test_invalid_twice_degrades_to_a_chat_turn_with_the_prose(
    fake: FakeAnthropic, copilot: ClaudeCopilot
) -> None:
    fake.reply_tool(schema.TURN_TOOL, {"kind": "verdict"}, text=PROSE + '\nFORK: {"options": []}')
    fake.reply_tool(schema.TURN_TOOL, {"kind": "verdict"})
    result = await copilot.turn(make_brief(confidence=0.42), ModelTier.FAST)
    assert result.kind is TurnKind.CHAT and result.message == PROSE and result.confidence == 0.42
    assert len(fake.requests) == 2


async def test_invalid_twice_without_prose_is_unavailable(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    fake.reply_tool(schema.TURN_TOOL, {"kind": "chat", "confidence": 0.5})  # no message and no prose
    fake.reply('{"kind": "chat"}')
    with pytest.raises(CopilotUnavailable):
        await copilot.turn(make_brief(), ModelTier.FAST)
    assert len(fake.requests) == 2


@pytest.mark.parametrize("script", ["rate_limit", "overload"])
async def test_rate_limits_and_overload_are_retried_by_the_sdk(
    fake: FakeAnthropic, copilot: ClaudeCopilot, observed: Observed, script: str
) -> None:
    getattr(fake, script)(times=2, retry_after_ms=5)
    fake.reply_tool(schema.TURN_TOOL, TURN_INPUTS["chat"], text=PROSE)
    started = time.monotonic()
    result = await copilot.turn(make_brief(), ModelTier.FAST, stream=None)
    assert result.message == PROSE and time.monotonic() - started < 2
    assert len(fake.requests) == 3 and [c[3] for c in observed.calls] == [True]


async def test_errors_after_retries_are_unavailable_without_secrets(
    fake: FakeAnthropic, copilot: ClaudeCopilot, observed: Observed
) -> None:
    fake.overload(times=3, retry_after_ms=5)
    with pytest.raises(CopilotUnavailable) as err:
        await copilot.turn(make_brief(), ModelTier.FAST)
    assert "529" in str(err.value) and KEY not in str(err.value) and len(fake.requests) == 3
    assert observed.calls == [("fast", "turn", None, False)]


async def test_error_mid_stream_is_unavailable(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    fake.reply(Reply.text(PROSE * 4, stream_error="overloaded_error"))

    async def sink(text: str) -> None:
        pass

    with pytest.raises(CopilotUnavailable, match="overloaded_error"):
        await copilot.turn(make_brief(), ModelTier.FAST, stream=sink)


async def test_timeout_is_unavailable(fake: FakeAnthropic) -> None:
    fake.stall_next(MESSAGES, 30)
    client = anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=0, timeout=0.3)
    slow = ClaudeCopilot(client, FAST, DEEP)

    async def sink(text: str) -> None:
        pass

    try:
        with pytest.raises(CopilotUnavailable, match="in time"):
            await slow.turn(make_brief(), ModelTier.FAST)
        fake.delay_next(MESSAGES, 1)  # streamed: nothing arrives within the read timeout
        with pytest.raises(CopilotUnavailable, match="in time"):
            await slow.turn(make_brief(), ModelTier.FAST, stream=sink)
    finally:
        await slow.aclose()


async def test_models_per_purpose_and_output_tools_only(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    item = BriefItem("q-1", "question", "One user or several?", "answered", answer="One user")
    fake.reply_tool(schema.FACT_TOOL, {"fact": "Only one user is affected."})
    assert await copilot.draft_fact(make_brief(), item) == "Only one user is affected."
    assert fake.last_request["model"] == FAST
    assert fake.last_request["tool_choice"] == {"type": "tool", "name": schema.FACT_TOOL}

    fake.reply_tool(schema.FACT_TOOL, {"none": True})
    assert await copilot.draft_fact(make_brief(), item) == ""

    fake.reply("Quick update: we are clearing the cached sign-in token.")
    assert (await copilot.status_update(make_brief(), StatusKind.CLIENT_UPDATE, detailed=False)).startswith("Quick")
    assert fake.last_request["model"] == FAST and "tools" not in fake.last_request
    fake.reply("Subject: Outlook sign-in\n\nHello <contact name>, ...")
    await copilot.status_update(make_brief(), StatusKind.EMAIL_DRAFT, detailed=True)
    assert fake.last_request["model"] == DEEP

    sample = (bundled_samples_dir() / "printer-offline.yaml").read_text(encoding="utf-8")
    fake.reply_tool(schema.FLOW_TOOL, {"yaml": sample})
    assert (await copilot.generate_flow("team-1", "Printer offline troubleshooting")).startswith("key: printer-offline")
    request = fake.last_request
    assert request["model"] == DEEP and [t["name"] for t in request["tools"]] == [schema.FLOW_TOOL]


async def test_flow_draft_that_does_not_validate_is_repaired_then_unavailable(
    fake: FakeAnthropic, copilot: ClaudeCopilot
) -> None:
    broken = {"yaml": "key: x\nname: X\nkind: troubleshooting\nstart: a\nnodes: []\n"}
    fake.reply_tool(schema.FLOW_TOOL, broken)
    fake.reply_tool(schema.FLOW_TOOL, broken)
    with pytest.raises(CopilotUnavailable):
        await copilot.generate_flow("team-1", "anything")
    assert "does not validate" in fake.last_request["messages"][-1]["content"][0]["content"]


@pytest.mark.parametrize("kind", list(DocKind))
async def test_documents_have_the_fixed_headings(fake: FakeAnthropic, copilot: ClaudeCopilot, kind: DocKind) -> None:
    sections = schema.SECTIONS[kind]
    tool_input: dict[str, Any] = {key: f"Body of {heading}." for key, heading in sections}
    if kind is DocKind.ESCALATION:
        tool_input["assessment"] = {
            "summary_prose": "Token cache suspected.",
            "what_we_know": ["One user"],
            "likely_cause": "Stale token",
            "suggested_steps": ["Clear the token cache"],
            "confidence": 0.6,
        }
    fake.reply_tool(schema.DOCUMENT_TOOL, tool_input)
    doc = await copilot.document(make_brief(), kind)
    assert doc.kind is kind and doc.tier == "deep"
    assert [h for h, _ in doc.sections] == [heading for _, heading in sections]
    assert all(body == f"Body of {heading}." for heading, body in doc.sections)
    assert (doc.assessment.get("likely_cause") == "Stale token") is (kind is DocKind.ESCALATION)
    request = fake.last_request
    assert request["model"] == DEEP and [t["name"] for t in request["tools"]] == [schema.DOCUMENT_TOOL]
    assert request["tool_choice"] == {"type": "tool", "name": schema.DOCUMENT_TOOL}


async def test_document_invalid_twice_is_unavailable(fake: FakeAnthropic, copilot: ClaudeCopilot) -> None:
    fake.reply_tool(schema.DOCUMENT_TOOL, {"problem": "p"})
    fake.reply_tool(schema.DOCUMENT_TOOL, {"problem": "p"})
    with pytest.raises(CopilotUnavailable):
        await copilot.document(make_brief(), DocKind.RESOLUTION)


async def test_metrics_count_calls_and_tokens(fake: FakeAnthropic) -> None:
    metrics = Metrics()
    client = anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=0)
    pilot = ClaudeCopilot(client, FAST, DEEP, observe=metrics.model_call)
    fake.reply_tool(schema.TURN_TOOL, TURN_INPUTS["chat"], text=PROSE)
    await pilot.turn(make_brief(), ModelTier.FAST)
    fake.overload()
    with pytest.raises(CopilotUnavailable):
        await pilot.turn(make_brief(), ModelTier.DEEP)
    await pilot.aclose()
    text = metrics.render().decode()
    assert 'rfbot_model_calls_total{purpose="turn",result="ok",tier="fast"} 1.0' in text
    assert 'rfbot_model_calls_total{purpose="turn",result="failed",tier="deep"} 1.0' in text
    assert 'rfbot_model_tokens_total{kind="cache_creation",tier="fast"}' in text
    assert 'rfbot_model_tokens_total{kind="output",tier="fast"}' in text

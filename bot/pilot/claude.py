"""``ClaudeCopilot``: the copilot port over the Anthropic Messages API.

Structured output goes through tool use: a turn is prose (streamed to the thread) followed by a ``record_turn``
call; facts, documents and flows are forced calls of their own tool; status updates are plain text. Whatever the
model sends is validated by ``bot.pilot.parse``; a rejected output gets ONE repair call (non-streamed, the tool
forced, the problem stated). If that fails too a turn degrades to a chat turn with the prose it had, and every
other call raises ``CopilotUnavailable`` so the engine falls back to the offline copilot.

Routing: turns use the tier they are given, fact drafts and quick status updates the fast model, documents, flow
drafts and detailed status updates the deep model. Documents and flows are offered only their output tool.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import anthropic
from anthropic.types import Message

from bot.engine.copilot import (
    Brief,
    BriefItem,
    CopilotUnavailable,
    DocKind,
    ModelTier,
    PilotDocument,
    PilotTurn,
    Purpose,
    StatusKind,
    TextSink,
    TurnKind,
)
from bot.pilot import context, parse, schema, system
from bot.pilot.calls import Call, repair_messages, send, text_of, usage_of
from bot.pilot.clean import clean_message
from bot.pilot.parse import ParseError
from bot.pilot.values import clip

log = logging.getLogger(__name__)
T = TypeVar("T")
Observe = Callable[[str, str, Mapping[str, int] | None, bool], None]
"""``observe(tier, purpose, usage, ok)`` after every API call; ``usage`` is None when the call failed."""

MAX_TOKENS = {Purpose.TURN: 4096, Purpose.FACT: 400, Purpose.DOCUMENT: 4096, Purpose.FLOW: 8192}
STATUS_TOKENS = {False: 800, True: 2000}


def _tool_input(reply: Message, tool: str) -> Any:
    if reply.stop_reason == "max_tokens":
        raise ParseError("the reply was cut off at the token limit: answer more briefly")
    calls = [b.input for b in reply.content if b.type == "tool_use" and b.name == tool]
    if not calls:
        raise ParseError(f"the reply did not call {tool}")
    return calls[-1]


class ClaudeCopilot:
    """FlowPilot on Claude. ``client`` is built by ``bot.pilot.build`` (one per app); models come from settings."""

    mode = "claude"

    def __init__(
        self, client: anthropic.AsyncAnthropic, fast_model: str, deep_model: str, observe: Observe | None = None
    ) -> None:
        self._client = client
        self._models = {ModelTier.FAST: fast_model, ModelTier.DEEP: deep_model}
        self._observe = observe

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    # --- the port --------------------------------------------------------------------------------------------

    async def turn(self, brief: Brief, tier: ModelTier, stream: TextSink | None = None) -> PilotTurn:
        """The next structured turn, its prose streamed to ``stream`` as it is written."""
        call = Call(
            Purpose.TURN,
            tier,
            system.system(Purpose.TURN),
            context.conversation(brief, context.TURN_REQUEST, attach=True),
            MAX_TOKENS[Purpose.TURN],
            [schema.TURN_TOOL_DEF],
            {"type": "auto"},
        )
        result, prose = await self._structured(call, schema.TURN_TOOL, parse.turn, stream)
        if result is not None:
            return dataclasses.replace(result, tier=tier.value)
        if prose:
            log.warning("FlowPilot turn degraded to chat: the structure was invalid twice")
            return PilotTurn(TurnKind.CHAT, clip(prose, schema.MESSAGE_MAX), brief.confidence, tier=tier.value)
        raise CopilotUnavailable("the model's reply was not usable")

    async def draft_fact(self, brief: Brief, item: BriefItem) -> str:
        """One sentence for "What we know" drafted from ``item`` by the fast model ("" when there is no fact)."""
        call = self._forced(Purpose.FACT, ModelTier.FAST, context.conversation(brief, context.fact_request(item)))
        return self._required(await self._structured(call, schema.FACT_TOOL, lambda data, _: parse.fact(data)))

    async def document(self, brief: Brief, kind: DocKind) -> PilotDocument:
        """The resolution note or escalation package, with its fixed headings, by the deep model."""
        messages = context.conversation(brief, context.document_request(kind))
        call = self._forced(Purpose.DOCUMENT, ModelTier.DEEP, messages, kind)
        found = await self._structured(call, schema.DOCUMENT_TOOL, lambda data, _: parse.document(data, kind))
        return dataclasses.replace(self._required(found), tier=ModelTier.DEEP.value)

    async def status_update(self, brief: Brief, kind: StatusKind, detailed: bool) -> str:
        """A status update as plain text: the fast model for quick ones, the deep model for detailed ones."""
        tier = ModelTier.DEEP if detailed else ModelTier.FAST
        messages = context.conversation(brief, context.status_request(kind, detailed))
        call = Call(Purpose.STATUS, tier, system.system(Purpose.STATUS), messages, STATUS_TOKENS[detailed])
        reply = await self._send(call)
        text = clean_message(text_of(reply))
        self._report(call, reply, ok=bool(text))
        if not text:
            raise CopilotUnavailable("the model wrote no status update")
        return text

    async def generate_flow(self, team_id: str, description: str) -> str:
        """A flow draft in the bot's YAML format that loads and validates, by the deep model."""
        call = self._forced(Purpose.FLOW, ModelTier.DEEP, context.flow_request(description))
        return self._required(await self._structured(call, schema.FLOW_TOOL, lambda data, _: parse.flow_yaml(data)))

    async def draft_from_evidence(self, team_id: str, request: str) -> str:
        """A flow draft from the knowledge flywheel's evidence (a new flow, or a flow with a new branch), by the deep
        model; loaded and validated like ``generate_flow`` (``bot.engine.flywheel.assist``)."""
        messages = [{"role": "user", "content": [{"type": "text", "text": context.redacted(request)}]}]
        choice = {"type": "tool", "name": schema.FLOW_TOOL}
        tools = [schema.FLOW_TOOL_DEF]
        call = Call(Purpose.FLOW, ModelTier.DEEP, system.flywheel(), messages, MAX_TOKENS[Purpose.FLOW], tools, choice)
        return self._required(await self._structured(call, schema.FLOW_TOOL, lambda data, _: parse.flow_yaml(data)))

    # --- plumbing ----------------------------------------------------------------------------------------------

    def _forced(self, purpose: Purpose, tier: ModelTier, messages: list[Any], kind: DocKind | None = None) -> Call:
        tools = {
            Purpose.FACT: schema.FACT_TOOL_DEF,
            Purpose.FLOW: schema.FLOW_TOOL_DEF,
            Purpose.DOCUMENT: schema.DOCUMENT_TOOL_DEFS[kind or DocKind.RESOLUTION],
        }
        tool = tools[purpose]
        choice = {"type": "tool", "name": tool["name"]}
        return Call(purpose, tier, system.system(purpose, kind), messages, MAX_TOKENS[purpose], [tool], choice)

    @staticmethod
    def _required(found: tuple[T | None, str]) -> T:
        if found[0] is None:
            raise CopilotUnavailable("the model's output was invalid after one repair")
        return found[0]

    async def _send(self, call: Call, sink: TextSink | None = None) -> Message:
        try:
            return await send(self._client, call, self._models[call.tier], sink)
        except CopilotUnavailable:
            self._notify(call, None, ok=False)
            raise

    def _report(self, call: Call, reply: Message, *, ok: bool) -> None:
        self._notify(call, usage_of(reply), ok=ok)

    def _notify(self, call: Call, usage: Mapping[str, int] | None, *, ok: bool) -> None:
        if self._observe is None:
            return
        try:
            self._observe(call.tier.value, call.purpose.value, usage, ok)
        except Exception:  # metrics must never break a reply
            log.warning("model-call observer failed", exc_info=True)

    async def _structured(
        self, call: Call, tool: str, read: Callable[[Any, str], T], sink: TextSink | None = None
    ) -> tuple[T | None, str]:
        """The parsed output (after at most one repair) or None, and the prose of the first reply."""
        first = await self._send(call, sink)
        prose = clean_message(text_of(first))
        try:
            result = read(_tool_input(first, tool), prose)
        except ParseError as problem:
            self._report(call, first, ok=False)
            log.info("FlowPilot %s output rejected (%s); one repair", call.purpose.value, problem)
            return await self._repair(call, tool, read, first, str(problem), prose), prose
        self._report(call, first, ok=True)
        return result, prose

    async def _repair(
        self, call: Call, tool: str, read: Callable[[Any, str], T], first: Message, problem: str, prose: str
    ) -> T | None:
        fixed = call.forced(tool, repair_messages(call.messages, first, tool, problem))
        try:
            second = await self._send(fixed)
        except CopilotUnavailable:
            return None
        try:
            result = read(_tool_input(second, tool), clean_message(text_of(second)) or prose)
        except ParseError as again:
            self._report(fixed, second, ok=False)
            log.warning("FlowPilot %s output still invalid after repair: %s", call.purpose.value, again)
            return None
        self._report(fixed, second, ok=True)
        return result

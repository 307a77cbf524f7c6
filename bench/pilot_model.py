"""The model side of the FlowPilot bench: a responder for the loopback Anthropic fake that answers each request from
the scripted sessions, and a record of every call with the usage the fake reported.

The responder tells the call apart by what the bot sent: the tool offered (``record_turn``, ``record_fact``,
``record_document``; none for a status update), a forced ``record_turn`` (the one repair call), and the session
state block (``Problem: …`` and ``Turn N``). The model's tier is read from the request's ``model``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.pilot_scenarios import Step
from bot.pilot import schema
from tests.fakes.anthropic_api import Reply
from tests.fakes.anthropic_wire import Json, PromptCache, last_user_text, strings, tool_names

_PROBLEM = re.compile(r"^Problem: (.*)$", re.MULTILINE)
_TURN = re.compile(r"^Turn (\d+) ·", re.MULTILINE)
_ITEM = re.compile(r"\): (.*)\n\s*answer/result: (.*)")
TOKEN_KINDS = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens")


def state_text(body: Json) -> str:
    """The text of the latest user message holding the session state (a repair call ends with a tool result after
    it), else of the last user message."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            said = "\n".join(strings(message.get("content")))
            if _PROBLEM.search(said):
                return said
    return last_user_text(body)


def problem_of(said: str) -> str:
    """The ``Problem: …`` line of the session state in the text the bot sent."""
    found = _PROBLEM.search(said)
    return found.group(1).strip() if found else ""


def purpose_of(body: Json) -> str:
    """turn, repair, fact, document, flow or status: what the bot asked for."""
    tools = tool_names(body)
    if schema.TURN_TOOL in tools:
        forced = (body.get("tool_choice") or {}).get("type") == "tool"
        return "repair" if forced else "turn"
    for name, purpose in ((schema.FACT_TOOL, "fact"), (schema.DOCUMENT_TOOL, "document"), (schema.FLOW_TOOL, "flow")):
        if name in tools:
            return purpose
    return "status"


@dataclass
class Call:
    """One request the fake answered: its model, purpose, body and the usage it reported."""

    model: str
    purpose: str
    body: Json
    usage: dict[str, int]

    @property
    def problem(self) -> str:
        """The session's problem, from the state block ("" when there is none)."""
        return problem_of(state_text(self.body))


class RecordingCache(PromptCache):
    """The fake's prompt-cache simulation, also keeping every request with the usage it computed."""

    def __init__(self, min_tokens: int = 0) -> None:
        super().__init__(min_tokens)
        self.calls: list[Call] = []

    def usage(self, body: Json, content: list[Json]) -> Json:
        """The usage reported for ``body`` (recorded)."""
        usage = super().usage(body, content)
        self.calls.append(Call(str(body["model"]), purpose_of(body), body, {k: int(usage[k]) for k in TOKEN_KINDS}))
        return usage


def replay(calls: list[Call], minimum: dict[str, int]) -> dict[str, Counter[str]]:
    """Prompt-token totals by model for ``calls`` again, on a fresh cache where a prefix shorter than
    ``minimum[model]`` tokens is never cached (the API's minimum cacheable length)."""
    caches: dict[str, PromptCache] = {}
    totals: dict[str, Counter[str]] = {}
    for call in calls:
        cache = caches.setdefault(call.model, PromptCache(minimum.get(call.model, 0)))
        usage = cache.usage(call.body, [])
        totals.setdefault(call.model, Counter()).update({k: int(usage[k]) for k in TOKEN_KINDS[:3]})
    return totals


@dataclass
class ScriptedModel:
    """Answers every request of a known session from its script; ``delay`` seconds per reply (streamed)."""

    sessions: dict[str, tuple[tuple[Step, ...], str, float]] = field(default_factory=dict)
    unscripted: list[str] = field(default_factory=list)

    def add(self, problem: str, steps: tuple[Step, ...], topic: str, delay: float) -> None:
        """Script the session whose problem is ``problem``."""
        self.sessions[problem] = (steps, topic, delay)

    def __call__(self, body: Json) -> Reply:
        """The fake's responder."""
        said = state_text(body)
        problem = problem_of(said)
        steps, topic, delay = self.sessions.get(problem, ((), "the problem", 0.0))
        if not steps:
            self.unscripted.append(problem or said[:80])
        purpose = purpose_of(body)
        if purpose in ("turn", "repair"):
            seq = int(m.group(1)) if (m := _TURN.search(said)) else 1
            return self._turn(steps, seq, purpose == "repair", delay)
        if purpose == "fact":
            item = _ITEM.search(said)
            fact = f"{item.group(1).rstrip('?')}: {item.group(2)}." if item else f"Confirmed while working on {topic}."
            return Reply.tool(schema.FACT_TOOL, {"fact": fact}, delay=delay)
        if purpose == "document":
            return Reply.tool(schema.DOCUMENT_TOOL, _document(topic, steps), delay=delay)
        return Reply.text(
            f"Quick update on the {topic}: we found the cause and applied a fix; monitoring today. "
            "No action is needed from you right now.",
            delay=delay,
        )

    def _turn(self, steps: tuple[Step, ...], seq: int, repair: bool, delay: float) -> Reply:
        if not 1 <= seq <= len(steps):
            self.unscripted.append(f"turn {seq}")
            return Reply.tool(schema.TURN_TOOL, {"kind": "chat", "confidence": 0.5}, text="Noted.", delay=delay)
        step = steps[seq - 1]
        if repair:
            return Reply.tool(schema.TURN_TOOL, step.turn, delay=delay / 2)
        if step.broken:  # a question turn without its questions: the bot asks once for a repair
            return Reply.tool(
                schema.TURN_TOOL,
                {"kind": "question", "confidence": step.turn["confidence"]},
                text=step.prose,
                delay=delay,
            )
        return Reply.tool(schema.TURN_TOOL, step.turn, text=step.prose, delay=delay)


def _document(topic: str, steps: tuple[Step, ...]) -> dict[str, Any]:
    fixes = [f["title"] for s in steps for f in s.turn.get("suggest_fix", [])]
    return {
        "problem": f"The client reported {topic}; it stopped people from working normally.",
        "what_we_confirmed": "- " + "\n- ".join(s.prose.split(".")[0] for s in steps[:3]),
        "root_cause": f"The cause was found by the checks above ({topic}).",
        "resolution": f"{fixes[-1] if fixes else 'The fix'} resolved it; the engineer confirmed it worked.",
    }

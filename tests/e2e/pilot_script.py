"""What the FlowPilot end-to-end tests share: the served bot with Claude pointed at the loopback Anthropic fake, the
fake Slack Web API and the fake ConnectWise; a scripted model that answers each request by what the bot asked for;
and an engineer who types ``/rf pilot``, writes in the thread and clicks what the bot shows.

The engineer only ever looks at what the fake Slack API holds (the current content of each message, updates
applied) and the tests assert on what the fakes received.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.pilot import schema
from tests.e2e.slack_server import SIGNING_SECRET, RunningBot, running_bot
from tests.e2e.slack_transcript import WAIT_S, blocks_of, eventually, text_fields
from tests.fakes.anthropic_api import FakeAnthropic, Reply
from tests.fakes.anthropic_wire import Json, error_body, last_user_text, tool_names
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver, buttons_in, find_button

KEY = "sk-ant-api03-e2e-key-for-the-fake"
FAST, DEEP = "claude-e2e-fast", "claude-e2e-deep"
TICKET = 12345
CHANNEL, USER = "C1", "U1"
CURSOR = "▍"  # the streaming view's cursor: a message showing it is still being written
OVERLOADED = error_body("overloaded_error", "Overloaded")
_TURN = re.compile(r"^Turn (\d+) ·", re.MULTILINE)


def purpose_of(body: Json) -> str:
    """turn, repair, fact, document or status: what the bot asked the model for (from the tool it offered)."""
    tools = tool_names(body)
    if schema.TURN_TOOL in tools:
        return "repair" if (body.get("tool_choice") or {}).get("type") == "tool" else "turn"
    if schema.FACT_TOOL in tools:
        return "fact"
    return "document" if schema.DOCUMENT_TOOL in tools else "status"


@dataclass
class ScriptedModel:
    """The fake's responder: turn N answers with ``turns[N-1]`` (prose streamed, then ``record_turn``), a document
    request with ``document`` (``record_document``)."""

    turns: list[tuple[str, Json]] = field(default_factory=list)
    document: Json = field(default_factory=dict)
    delay: float = 0.0  # seconds before each answer (spread over the deltas when streamed)

    def __call__(self, body: Json) -> Reply:
        """Answer one request."""
        purpose = purpose_of(body)
        if purpose == "document":
            return Reply.tool(schema.DOCUMENT_TOOL, self.document, delay=self.delay)
        if purpose in ("turn", "repair"):
            found = _TURN.search(last_user_text(body))
            n = int(found.group(1)) if found else 1
            prose, tool_input = self.turns[min(n, len(self.turns)) - 1]
            return Reply.tool(schema.TURN_TOOL, tool_input, text=prose, delay=self.delay)
        return Reply.text("Quick update: we are on it.", delay=self.delay)


def question(confidence: float, text: str, options: list[str], **parts: Any) -> Json:
    """A ``question`` turn's ``record_turn`` input."""
    return {"kind": "question", "confidence": confidence, "questions": [{"text": text, "options": options}], **parts}


def check(confidence: float, label: str, command: str, **parts: Any) -> Json:
    """An ``action`` turn with one diagnostic check."""
    item = {"label": label, "description": f"{label}: run it on the affected laptop.", "command": command}
    item |= {"language": "powershell", "action_type": "verification", "expected": "No stale entries."}
    return {"kind": "action", "confidence": confidence, "checks": [item], **parts}


def fix(confidence: float, title: str, script: str) -> Json:
    """A ``chat`` turn suggesting one fix with a script."""
    proposal = {"title": title, "description": f"{title}; the check points at it.", "confidence": 85}
    proposal |= {"script": script, "script_language": "powershell"}
    return {"kind": "chat", "confidence": confidence, "suggest_fix": [proposal]}


def chat(confidence: float) -> Json:
    """A plain ``chat`` turn (prose only)."""
    return {"kind": "chat", "confidence": confidence}


@dataclass
class Pilot:
    """The rig, and the engineer's view of the session's thread in channel ``C1``."""

    api: FakeSlackApi
    cw: FakeConnectWise
    model: FakeAnthropic
    bot: RunningBot
    driver: SlackDriver
    seeded_note: int = 0
    thread: str = ""
    _clicks: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # --- what the fakes received -------------------------------------------------------------------------------
    def model_calls(self, purpose: str | None = None) -> list[Json]:
        """Bodies the fake Messages API received (retries included), optionally only those of ``purpose``."""
        return [b for b in self.model.requests if purpose is None or purpose_of(b) == purpose]

    def thread_messages(self) -> list[dict[str, Any]]:
        """The current content of every message in the session's thread (updates applied), oldest first."""
        found = [m for (c, _), m in self.api.messages.items() if c == CHANNEL and m.get("thread_ts") == self.thread]
        return sorted(found, key=lambda m: m["ts"])

    def slack_texts(self) -> str:
        """Every text the bot sent to Slack (posts, updates, ephemerals, modals), one per line."""
        sent = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update")
        calls = [c.params for c in self.api.api_log if c.method in sent]
        return "\n".join(s for params in calls for s in text_fields(params))

    def notes(self, flag: str = "") -> list[dict[str, Any]]:
        """The notes the bot posted on ticket #12345 (not the one it had before), oldest first; only those with
        ``flag`` set, when given."""
        posted = [n for n in self.cw.notes_on(TICKET) if n["id"] != self.seeded_note]
        return [n for n in posted if not flag or n.get(flag)]

    # --- waiting for the bot -----------------------------------------------------------------------------------
    async def shown(self, match: Callable[[str], bool], what: str, after: str = "") -> dict[str, Any]:
        """The latest thread message (posted after message ``after``, when given) whose current text matches and is
        no longer being streamed; waits for it."""
        deadline = time.monotonic() + WAIT_S
        while True:
            for message in reversed(self.thread_messages()):
                text = seen(message)
                if str(message["ts"]) > after and CURSOR not in text and match(text):
                    found: dict[str, Any] = message
                    return found
            if time.monotonic() > deadline:
                shown = [seen(m)[:160] for m in self.thread_messages()[-6:]]
                raise AssertionError(f"not shown within {WAIT_S}s: {what}; the thread ends with {shown}")
            await asyncio.sleep(0.02)

    async def reply_with(self, words: str) -> dict[str, Any]:
        """FlowPilot's finished reply containing ``words``."""
        return await self.shown(lambda text: words in text and "FlowPilot ·" in text, f"FlowPilot saying {words!r}")

    async def told(self, words: str) -> dict[str, Any]:
        """The ephemeral message containing ``words`` (waits for it)."""
        call = await self.api.wait_for(
            lambda c: c.path.endswith("chat.postEphemeral") and words in json.dumps(c.data, ensure_ascii=False), WAIT_S
        )
        told: dict[str, Any] = call.data
        return told

    async def notes_posted(self, n: int) -> None:
        """Wait until the bot has posted ``n`` notes on ticket #12345."""

        async def enough() -> bool:
            return len(self.notes()) >= n

        await eventually(enough, f"{n} notes on ticket #{TICKET}")

    async def thread_updated(self, ts: str, words: str, n: int) -> None:
        """Wait until message ``ts`` has been edited ``n`` times to text containing ``words``."""

        async def enough() -> bool:
            return len([u for u in self.api.updates() if u.get("ts") == ts and words in str(u.get("text"))]) >= n

        await eventually(enough, f"{n} edits of message {ts} saying {words!r}")

    # --- the engineer ------------------------------------------------------------------------------------------
    async def start(self, problem: str) -> None:
        """``/rf pilot <problem> #12345`` in the channel; the session card it posts is the thread's root."""
        reply = await self.driver.slash_command(f"pilot {problem} #{TICKET}", user_id=USER, channel_id=CHANNEL)
        assert reply.status == 200, reply
        await self.api.wait_for(lambda c: c.path.endswith("chat.postMessage") and not c.data.get("thread_ts"), WAIT_S)
        self.thread = next(m["ts"] for m in self.api.posted(channel=CHANNEL) if not m.get("thread_ts"))

    async def click(self, message: dict[str, Any], label: str, *, retry_of: str | None = None) -> str:
        """Click ``label...`` on ``message`` as it is now; returns the click's ``action_ts``. ``retry_of``: deliver an
        earlier click again (a Slack retry of the same action)."""
        current = self.api.message(CHANNEL, message["ts"]) or message
        ref = find_button(blocks_of(current), label)
        action_ts = retry_of or f"1700009{next(self._clicks):03d}.000001"
        reply = await self.driver.block_action(
            ref["action_id"],
            ref["value"],
            user_id=USER,
            channel_id=CHANNEL,
            message_ts=message["ts"],
            thread_ts=self.thread,
            action_ts=action_ts,
            retry_num=1 if retry_of else None,
        )
        assert reply.status == 200, reply
        return action_ts

    async def say(self, text: str) -> None:
        """Write ``text`` in the session's thread."""
        reply = await self.driver.message_in_thread(text, CHANNEL, self.thread, USER)
        assert reply.status == 200, reply

    async def mention(self, text: str) -> None:
        """``@bot <text>`` in the session's thread (``resolve``, ``fact ...``)."""
        reply = await self.driver.app_mention(text, CHANNEL, USER, thread_ts=self.thread)
        assert reply.status == 200, reply

    async def fill_modal(self, values: dict[str, str | dict[str, Any]]) -> None:
        """Wait for the modal the bot opens, type ``values`` (text per input block id) and submit it."""
        await self.api.wait_for(lambda c: c.path.endswith("views.open"), WAIT_S)
        view = self.api.views_opened()[-1]["view"]
        reply = await self.driver.view_submission(view["callback_id"], view["private_metadata"], values, USER)
        assert reply.status == 200, reply


def seen(message: dict[str, Any]) -> str:
    """A message's blocks and fallback text as one searchable string (as the engineer reads it)."""
    return json.dumps(blocks_of(message), ensure_ascii=False) + str(message.get("text", ""))


def labels(message: dict[str, Any]) -> list[str]:
    """The button labels on a message."""
    return [b["text"] for b in buttons_in(blocks_of(message))]


@asynccontextmanager
async def pilot_rig(database_url: str, script: ScriptedModel, **overrides: Any) -> AsyncIterator[Pilot]:
    """The bot served with ``ANTHROPIC_API_KEY``/``ANTHROPIC_BASE_URL`` pointed at the fake Messages API (fast and
    deep models named apart), the CW_* connection at the fake ConnectWise (ticket #12345), and Slack user U1."""
    async with FakeSlackApi() as api, FakeConnectWise() as cw, FakeAnthropic(KEY, script) as model:
        api.add_user("T1", USER, "Alice Ng", "alice@example.invalid")
        cw.add_ticket(TICKET, "Outlook asks for a password again and again on one laptop")
        seeded = cw.add_note_record(TICKET, "User reports the prompt started after Tuesday's Windows update.")
        cw.add_member(7, "alng", "Alice", "Ng", email="alice@example.invalid")
        creds = cw.credentials()
        env: dict[str, Any] = {
            "cw_site_url": creds.site_url,
            "cw_company_id": creds.company_id,
            "cw_public_key": creds.public_key,
            "cw_private_key": creds.private_key,
            "cw_client_id": creds.client_id,
            "anthropic_api_key": KEY,
            "anthropic_base_url": model.url,
            "fast_model": FAST,
            "deep_model": DEEP,
            "pilot_timeout": 5.0,
        } | overrides
        async with (
            running_bot(database_url, api.base_url, **env) as bot,
            SlackDriver(bot.url, SIGNING_SECRET, api) as driver,
        ):
            yield Pilot(api, cw, model, bot, driver, seeded_note=seeded["id"])

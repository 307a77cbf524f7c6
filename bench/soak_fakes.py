"""The soak's outside world: the loopback fakes of Slack, Teams, ConnectWise and Anthropic, as the soak watches them.

* ``SoakSlackApi``: the fake Slack Web API, logging per channel every message post, edit, ephemeral and opened
  form it *accepted* (faulted calls are not in the log), and able to answer writes with ``429`` + ``Retry-After``
  for a while (``throttle``: the slack-429 drill).
* ``SoakConnector``: the fake Bot Connector, logging per conversation (``accepted``) every activity it accepted (send,
  reply, update) with the id it assigned.
* ``SoakModel``: the fake Anthropic's responder: every copilot turn is a short chat reply carrying a marker
  (``MODEL_MARK``), so the soak tells Claude's answers from the offline copilot's fallback.
* ``Seen`` / ``Log``: what a fake accepted, with its arrival time, and waiting for it from a cursor (no polling).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bench.pilot_model import problem_of, purpose_of, state_text
from bot.pilot import schema
from tests.fakes.anthropic_api import Reply
from tests.fakes.anthropic_wire import Json
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.http_fake import Handler
from tests.fakes.slack_api import FakeSlackApi, Workspace
from tests.fakes.slack_blocks import buttons_in

MODEL_MARK = "Soak model answer"
SLACK_WRITES = ("chat.postMessage", "chat.update", "chat.postEphemeral")


@dataclass
class Seen:
    """One accepted call: when (``time.monotonic``), the method (or connector op), its parameters / activity, and
    the message id it posted or edited (Slack ``ts``, Teams activity id)."""

    at: float
    method: str
    params: dict[str, Any]
    ts: str

    @property
    def text(self) -> str:
        """Everything readable in it (blocks, cards, fallback text) as one string."""
        body = self.params.get("blocks") or self.params.get("attachments") or []
        return json.dumps(body, ensure_ascii=False) + str(self.params.get("text") or "")

    def button(self, label: str) -> dict[str, Any] | None:
        """The first Slack button whose label starts with ``label``."""
        blocks = self.params.get("blocks") or []
        return next((dict(b) for b in buttons_in(blocks) if str(b["text"]).startswith(label)), None)


class Log:
    """Accepted calls per key (a channel, a conversation), and waiters on them."""

    def __init__(self) -> None:
        self.seen: dict[str, list[Seen]] = defaultdict(list)
        self.total = 0  # calls accepted so far, every key
        self._waiters: dict[str, list[asyncio.Future[None]]] = defaultdict(list)

    def add(self, key: str, seen: Seen) -> None:
        """Record ``seen`` under ``key`` and wake whoever waits on it."""
        self.seen[key].append(seen)
        self.total += 1
        for future in self._waiters.pop(key, []):
            if not future.done():
                future.set_result(None)

    def mark(self, key: str) -> int:
        """The cursor for "from now on"."""
        return len(self.seen[key])

    async def wait(self, key: str, start: int, match: Callable[[Seen], bool], what: str, timeout: float) -> Seen:  # noqa: ASYNC109
        """The first call under ``key`` at index ``start`` or later that matches, as it arrives; ``TimeoutError``
        after ``timeout`` seconds (a bound on a stuck run, not a timing target)."""
        loop = asyncio.get_running_loop()
        deadline, i = loop.time() + timeout, start
        while True:
            log = self.seen[key]
            for j in range(i, len(log)):
                if match(log[j]):
                    return log[j]
            i = len(log)
            future: asyncio.Future[None] = loop.create_future()
            self._waiters[key].append(future)
            try:
                await asyncio.wait_for(future, max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise TimeoutError(f"{key}: no {what} within {timeout:.0f} s") from None


class SoakSlackApi(FakeSlackApi):
    """The fake Web API with a per-channel log of accepted writes and a rate-limit switch."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted = Log()
        self.throttled_until = 0.0
        self.retry_after = 1
        self.throttled = 0  # writes answered 429
        self.app.middlewares.append(self._throttle)

    def throttle(self, seconds: float, retry_after: int = 1) -> None:
        """Answer every message write with 429 + ``Retry-After: retry_after`` for ``seconds`` from now."""
        self.retry_after = retry_after
        self.throttled_until = time.monotonic() + seconds

    @web.middleware
    async def _throttle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if time.monotonic() < self.throttled_until and request.path.endswith(SLACK_WRITES):
            self.throttled += 1
            headers = {"Retry-After": str(self.retry_after)}
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        return await handler(request)

    def _note(self, method: str, channel: str, p: dict[str, Any], ts: str) -> None:
        self.accepted.add(channel, Seen(time.monotonic(), method, p, ts))

    def _m_chat_postMessage(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        out = super()._m_chat_postMessage(ws, p)
        self._note("chat.postMessage", str(out["channel"]), p, str(out["ts"]))
        return out

    def _m_chat_update(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        out = super()._m_chat_update(ws, p)
        self._note("chat.update", str(out["channel"]), p, str(out["ts"]))
        return out

    def _m_chat_postEphemeral(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        out = super()._m_chat_postEphemeral(ws, p)
        self._note("chat.postEphemeral", str(p.get("channel")), p, str(out["message_ts"]))
        return out

    def _m_views_open(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        out = super()._m_views_open(ws, p)
        view = out["view"]
        try:
            channel = str(json.loads(view.get("private_metadata") or "{}").get("c", ""))
        except ValueError:
            channel = ""
        self._note("views.open", channel, {"view": view}, str(view["id"]))
        return out


class SoakConnector(FakeBotConnector):
    """The fake Bot Connector with a per-conversation log of accepted messages and edits (``accepted``)."""

    def __init__(self) -> None:
        super().__init__(None)  # anonymous: the replicas run with ANONYMOUS_ALLOWED (no Entra in another process)
        self.accepted = Log()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        first = len(self.log)
        response = await super()._dispatch(request)
        for call in self.log[first : first + 1]:
            if not call.ok or call.op not in ("send", "reply", "update") or not isinstance(call.body, dict):
                continue
            aid = call.activity_id if call.op == "update" else str((call.response or {}).get("id", ""))
            self.accepted.add(call.conversation_id, Seen(time.monotonic(), call.op, call.body, aid))
        return response


class SoakModel:
    """The responder of the fake Anthropic API: a chat turn with ``MODEL_MARK`` and the session's problem."""

    def __init__(self) -> None:
        self.calls: defaultdict[str, int] = defaultdict(int)

    def __call__(self, body: Json) -> Reply:
        """Answer one Messages API request."""
        purpose = purpose_of(body)
        self.calls[purpose] += 1
        problem = problem_of(state_text(body)) or "the problem"
        if purpose in ("turn", "repair"):
            text = f"{MODEL_MARK}: let's look at {problem[:60]}. Check the obvious first."
            return Reply.tool(schema.TURN_TOOL, {"kind": "chat", "confidence": 0.6}, text=text)
        if purpose == "fact":
            return Reply.tool(schema.FACT_TOOL, {"fact": f"Confirmed while working on {problem[:60]}."})
        return Reply.text(f"{MODEL_MARK}: status of {problem[:60]}: in progress.")

"""The Slack side of the FlowPilot bench: a fake Web API that timestamps what the bot shows, and an engineer who
types ``/rf pilot``, writes in the thread and clicks FlowPilot's buttons (signed requests, as Slack sends them).

Each engineer works in a channel of their own; what the fake receives is logged per channel with the time it
arrived, and the engineer waits on that log from a cursor (no sleeps, no scans of other channels).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.pilot_scenarios import Op
from bot.engine.events import ActionId
from bot.engine.pilot.texts import THINKING
from bot.handlers.slack.ids import ACTION_PREFIX
from tests.fakes.slack_api import FakeSlackApi, Workspace
from tests.fakes.slack_driver import SlackDriver, buttons_in

WAIT_S = 90.0  # a bound on waiting for the bot (a stuck run fails instead of hanging), not a timing target
QUIET_S = 1.5  # longer than the session card's coalescing delay (RFBOT_CARD_UPDATE_DELAY, 1 s)
CURSOR = "▍"  # the streaming view's cursor (``bot.engine.pilot.views.streaming``)
VISIBLE = ("chat.postMessage", "chat.update", "chat.postEphemeral")
SETTLED_MARKS = ("✅", "❌", "⏭")  # a settled lane item's mark (``bot.engine.pilot.lane.settled_mark``)
LANE_ACTIONS = tuple(f"{ACTION_PREFIX}{a.value}." for a in (ActionId.LANE_ANSWER, ActionId.LANE_RESULT))


@dataclass
class Seen:
    """One Web API call that changed what the engineer sees: when it arrived, the method, its parameters and the
    message it posted or edited."""

    at: float
    method: str
    params: dict[str, Any]
    ts: str

    @property
    def text(self) -> str:
        """Blocks and fallback text as one searchable string."""
        return json.dumps(self.params.get("blocks") or [], ensure_ascii=False) + str(self.params.get("text") or "")

    def button(self, label: str, skip: set[str] | None = None) -> dict[str, Any] | None:
        """The first button labelled ``label`` whose value is not in ``skip`` (nor, for a lane item's answer or
        result, its item)."""
        for ref in buttons_in(self.params.get("blocks") or []):
            if ref["text"] == label and not {ref["value"], lane_item(ref)} & (skip or set()):
                return dict(ref)
        return None


def lane_item(button: Mapping[str, Any]) -> str:
    """The lane item a question's answer or a check's result button is for ("" for other buttons)."""
    if not str(button["action_id"]).startswith(LANE_ACTIONS):
        return ""
    return str(json.loads(button["value"]).get("x", "")).partition(":")[0]


class PilotSlackApi(FakeSlackApi):
    """The fake Web API, logging each post, edit and ephemeral per channel with its arrival time."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, list[Seen]] = defaultdict(list)
        self._waiters: dict[str, list[asyncio.Future[None]]] = defaultdict(list)

    def _note(self, method: str, p: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
        channel = str(out.get("channel") or p.get("channel") or "")
        self.seen[channel].append(Seen(time.perf_counter(), method, p, str(out.get("ts") or "")))
        for future in self._waiters.pop(channel, []):
            if not future.done():
                future.set_result(None)
        return out

    def _m_chat_postMessage(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        return self._note("chat.postMessage", p, super()._m_chat_postMessage(ws, p))

    def _m_chat_update(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        return self._note("chat.update", p, super()._m_chat_update(ws, p))

    def _m_chat_postEphemeral(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        return self._note("chat.postEphemeral", p, super()._m_chat_postEphemeral(ws, p) | {"channel": p["channel"]})

    async def wait(self, channel: str, start: int, match: Callable[[Seen], bool], what: str) -> tuple[int, Seen]:
        """The first call in ``channel`` at index ``start`` or later that matches (and its index), as it arrives."""
        loop = asyncio.get_running_loop()
        deadline, i = loop.time() + WAIT_S, start
        while True:
            log = self.seen[channel]
            for j in range(i, len(log)):
                if match(log[j]):
                    return j, log[j]
            i = len(log)
            future: asyncio.Future[None] = loop.create_future()
            self._waiters[channel].append(future)
            try:
                await asyncio.wait_for(future, max(0.0, deadline - loop.time()))
            except TimeoutError:
                shown = [f"{s.method} {s.text[:80]}" for s in log[-5:]]
                raise TimeoutError(f"{channel}: no {what} within {WAIT_S:.0f} s; last calls: {shown}") from None

    async def quiet(self, channel: str, seconds: float) -> None:
        """Return once nothing has arrived in ``channel`` for ``seconds`` (at most ``WAIT_S`` in all)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while loop.time() < deadline:
            future: asyncio.Future[None] = loop.create_future()
            self._waiters[channel].append(future)
            try:
                await asyncio.wait_for(future, seconds)
            except TimeoutError:
                return
        raise TimeoutError(f"{channel}: the bot kept posting for {WAIT_S:.0f} s")


def is_placeholder(seen: Seen) -> bool:
    """The "thinking" message a copilot turn posts at once (a status update's has no status line)."""
    return seen.method == "chat.postMessage" and seen.params.get("text") == THINKING and "FlowPilot ·" in seen.text


@dataclass
class TurnTiming:
    """One copilot turn as the engineer saw it, in seconds from sending the request that asked for it."""

    first_visible: float
    placeholder: float
    final: float
    edits: list[float]  # every chat.update of the turn's message, final one included
    first_what: str = ""  # what the first visible call was: "session card", "placeholder", or its method
    other_edits: int = 0  # chat.update calls of other messages in the channel (task lane, session card) meanwhile
    channel: str = ""
    ts: str = ""
    done_at: float = 0.0  # perf_counter of the final reply

    def late_edits(self, api: PilotSlackApi) -> int:
        """Streamed edits of this turn's message that arrived after its final reply (a half-written message)."""
        return sum(
            1
            for s in api.seen[self.channel]
            if s.ts == self.ts and s.method == "chat.update" and CURSOR in s.text and s.at > self.done_at
        )


@dataclass
class Engineer:
    """One engineer in channel ``channel``: the requests they send and what they wait for."""

    api: PilotSlackApi
    driver: SlackDriver
    channel: str
    user: str
    thread: str = ""
    reply: Seen | None = None  # the latest finished copilot turn
    clicked: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)  # lane items whose answer or result was clicked
    step_mark: int = 0  # the cursor when the engineer started acting on the latest reply

    @property
    def mark(self) -> int:
        """The cursor for "from now on"."""
        return len(self.api.seen[self.channel])

    async def wait(self, start: int, match: Callable[[Seen], bool], what: str) -> tuple[int, Seen]:
        """See ``PilotSlackApi.wait`` (this engineer's channel)."""
        return await self.api.wait(self.channel, start, match, what)

    async def settle(self) -> None:
        """Read the reply until the bot has been quiet for ``QUIET_S`` (its trailing card updates land), so what
        arrives after the engineer's next request is the bot answering that request."""
        await self.api.quiet(self.channel, QUIET_S)

    async def pilot(self, problem: str) -> tuple[float, int]:
        """``/rf pilot <problem>``; returns when it was sent and the cursor, once the thread is known."""
        start, sent = self.mark, time.perf_counter()
        reply = await self.driver.slash_command(f"pilot {problem}", user_id=self.user, channel_id=self.channel)
        assert reply.status == 200, reply
        _, root = await self.wait(
            start, lambda s: s.method == "chat.postMessage" and not s.params.get("thread_ts"), "session card"
        )
        self.thread = root.ts
        return sent, start

    async def say(self, text: str) -> tuple[float, int]:
        """Write ``text`` in the session's thread; returns when it was sent and the cursor before it."""
        start, sent = self.mark, time.perf_counter()
        reply = await self.driver.message_in_thread(text, self.channel, self.thread, self.user)
        assert reply.status == 200, reply
        return sent, start

    async def mention(self, text: str) -> int:
        """``@bot <text>`` in the thread (commands such as ``fact`` and ``update``); returns the cursor before."""
        start = self.mark
        reply = await self.driver.app_mention(text, self.channel, self.user, thread_ts=self.thread)
        assert reply.status == 200, reply
        return start

    async def click(self, message: Seen, label: str) -> int:
        """Click the first button ``label`` on ``message`` not clicked yet and not of a lane item already answered
        (each check and question has its own Passed / Failed / option buttons); returns the cursor before it."""
        button = message.button(label, self.clicked | self.answered)
        if button is None:
            raise AssertionError(f"{self.channel}: no button {label!r} in {message.text[:300]}")
        self.clicked.add(button["value"])
        if item := lane_item(button):
            self.answered.add(item)
        start = self.mark
        reply = await self.driver.block_action(
            button["action_id"],
            button["value"],
            user_id=self.user,
            channel_id=self.channel,
            message_ts=message.ts,
            thread_ts=self.thread,
        )
        assert reply.status == 200, reply
        return start

    async def turn(self, sent: float, start: int) -> TurnTiming:
        """Wait for the copilot turn asked for at ``sent`` (cursor ``start``): its placeholder, then its final reply."""
        first, shown = await self.wait(start, lambda s: s.method in VISIBLE, "visible reply")
        index, placeholder = await self.wait(start, is_placeholder, "thinking placeholder")
        ts = placeholder.ts

        def final(s: Seen) -> bool:
            return s.method == "chat.update" and s.ts == ts and CURSOR not in s.text

        end, done = await self.wait(index + 1, final, "final copilot reply")
        log = self.api.seen[self.channel]
        during = [s for s in log[index + 1 : end + 1] if s.method == "chat.update"]
        edits = [s.at - sent for s in during if s.ts == ts]
        if first == index:
            what = "placeholder"
        elif shown.method == "chat.postMessage" and not shown.params.get("thread_ts"):
            what = "session card"
        else:
            what = shown.method
        self.reply = done
        return TurnTiming(
            shown.at - sent,
            placeholder.at - sent,
            done.at - sent,
            edits,
            what,
            len(during) - len(edits),
            self.channel,
            ts,
            done.at,
        )

    async def act(self, op: Op) -> None:
        """One engineer action on the latest copilot reply (see ``bench.pilot_scenarios``)."""
        verb, arg = op
        assert self.reply is not None
        if verb == "answer":
            start = await self.click(self.reply, arg)
            await self.wait(
                start,
                lambda s: (
                    s.method == "chat.postMessage"
                    and str(s.params.get("text")).startswith(SETTLED_MARKS)
                    and arg in s.text
                ),
                f"answer {arg!r} recorded",
            )
        elif verb in ("prefer", "outcome"):
            start = await self.click(self.reply, arg)
            said = "Noted: you prefer" if verb == "prefer" else "reported the fix"
            await self.wait(start, lambda s: s.method == "chat.postMessage" and said in s.text, f"{verb} recorded")
        elif verb == "fork":
            await self.click(self.reply, arg)
        elif verb == "say":
            await self.say(arg)
        elif verb == "promote":
            await self._promote()
        elif verb == "fact":
            start = await self.mention(f"fact {arg}")
            await self.wait(start, lambda s: "Added to What we know" in s.text, "fact saved")
        elif verb == "update":
            start = await self.mention(f"update {arg}")
            index, thinking = await self.wait(
                start, lambda s: s.params.get("text") == THINKING and not is_placeholder(s), "status placeholder"
            )
            await self.wait(index + 1, lambda s: s.method == "chat.update" and s.ts == thinking.ts, "status update")
        elif verb == "resolve":
            await self._resolve()
        else:
            raise ValueError(f"unknown engineer action {verb!r}")

    async def _promote(self) -> None:
        promotable = "Promote to what we know"
        _, card = await self.wait(
            self.step_mark, lambda s: s.button(promotable, self.clicked) is not None, "task lane with an answered item"
        )
        start = await self.click(card, promotable)
        index, drafting = await self.wait(start, lambda s: "Drafting a fact" in s.text, "fact drafting")
        _, draft = await self.wait(
            index + 1, lambda s: s.ts == drafting.ts and s.button("Keep") is not None, "fact draft"
        )
        start = await self.click(draft, "Keep")
        await self.wait(start, lambda s: s.ts == drafting.ts and "Added to What we know" in s.text, "fact kept")

    async def _resolve(self) -> None:
        await self.wait(self.step_mark, lambda s: s.button("Resolve") is not None, "a Resolve button")
        with_button = next(s for s in reversed(self.api.seen[self.channel]) if s.button("Resolve", self.clicked))
        start = await self.click(with_button, "Resolve")
        index, drafting = await self.wait(
            start,
            lambda s: "Drafting the resolution note" in s.text or s.method == "chat.postEphemeral",
            "resolution note drafting",
        )
        if drafting.method == "chat.postEphemeral":  # the button was out of date: say it instead
            start = await self.mention("resolve")
            index, drafting = await self.wait(
                start, lambda s: "Drafting the resolution note" in s.text, "resolution note drafting"
            )
        _, preview = await self.wait(
            index + 1,
            lambda s: s.ts == drafting.ts and s.button("Confirm & post") is not None,
            "resolution note preview",
        )
        start = await self.click(preview, "Confirm & post")
        await self.wait(start, lambda s: s.method == "chat.postMessage" and "Resolved by" in s.text, "resolved")

"""The soak's Slack engineers: checklist sessions on ConnectWise tickets, resolved with the form; FlowPilot sessions.

``SoakSlackDriver`` plays Slack's edge: every request is signed, and one answered with a 5xx (or a dropped
connection: a replica killed mid-request, PostgreSQL restarting) is delivered again with ``X-Slack-Retry-Num``, as
Slack redelivers (here after 0.5, 1, 2, 2 ... s instead of Slack's minutes, at most ``attempts`` times). A request
never acknowledged is counted as refused: Slack showed the engineer an error and nothing was promised.

A checklist engineer starts ``/rf start <flow> #<ticket>`` in their own channel, clicks ✓ Done on each step as it
arrives (10% of clicks are redelivered by "Slack" with the same ``action_ts``, 10% clicked twice), presses
"Finish & write the note" and submits the resolve form: two notes are then due on the ticket. A FlowPilot engineer
types ``/rf pilot <problem>`` and one message in the thread: two copilot turns, each answered once.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bench.soak_fakes import MODEL_MARK, Seen
from bench.soak_ledger import Conversation, Ledger
from bench.soak_world import World
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver, SlackReply

STEP = re.compile(r"Step (\d+) · ")
THINKING = "FlowPilot is thinking"
CURSOR = "▍"


def step_number(seen: Seen) -> int:
    """The step number in a step message's header (0 for other messages)."""
    found = STEP.search(seen.text)
    return int(found.group(1)) if found else 0


def ok(reply: SlackReply | Any) -> bool:
    """The platform request was acknowledged."""
    return 200 <= int(getattr(reply, "status", 0)) < 300


class SoakSlackDriver(SlackDriver):
    """A ``SlackDriver`` that redelivers what a replica failed to acknowledge and counts it in the ledger."""

    def __init__(
        self, app_url: str, signing_secret: str, api: FakeSlackApi, ledger: Ledger, attempts: int = 10
    ) -> None:
        super().__init__(app_url, signing_secret, api)
        self.ledger, self.attempts = ledger, attempts

    def _trigger_and_response_url(self) -> tuple[str, str]:
        """A trigger id unique across drivers (it keys a slash command's dedupe: two drivers' counters collide)."""
        self.last_response_id = f"r{uuid.uuid4().hex[:12]}"
        self.last_trigger_id = f"{int(time.time())}.{uuid.uuid4().hex}"
        base = self.api.base_url if self.api else "http://127.0.0.1:9"
        return self.last_trigger_id, f"{base}/response/{self.last_response_id}"

    async def raw(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> SlackReply:
        """POST like ``SlackDriver.raw``; a 5xx or a lost connection is redelivered (``X-Slack-Retry-Num``)."""
        reply = SlackReply(599, "")
        for attempt in range(self.attempts):
            sent = dict(headers or {})
            if attempt:
                self.ledger.count().redelivered += 1
                sent |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"}
            try:
                reply = await super().raw(body, content_type, headers=sent, signed=signed)
            except (aiohttp.ClientError, TimeoutError):
                reply = SlackReply(599, "")
            if reply.status < 500:
                return reply
            await asyncio.sleep(min(2.0, 0.5 * 2**attempt))
        return reply

    async def submit_view(self, view: dict[str, Any], values: dict[str, str], user_id: str) -> SlackReply:
        """Submit the modal ``view`` (as ``views.open`` returned it) with plain-text ``values`` by block id."""
        domain, _, app_id = self._ws("T1")
        trigger_id, _ = self._trigger_and_response_url()
        state = {b: {"value": {"type": "plain_text_input", "value": v}} for b, v in values.items()}
        payload: dict[str, Any] = {"type": "view_submission", "team": {"id": "T1", "domain": domain}}
        payload |= {"user": self._user(user_id, "T1"), "api_app_id": app_id, "token": "verification-token"}
        payload |= {"trigger_id": trigger_id, "view": dict(view) | {"state": {"values": state}}}
        return await self._interactive(payload | {"response_urls": [], "is_enterprise_install": False})


async def accepted(ledger: Ledger, request: Awaitable[SlackReply]) -> bool:
    """Send one logical request; count it accepted or refused."""
    reply = await request
    counts = ledger.count()
    if ok(reply):
        counts.accepted += 1
        return True
    counts.refused += 1
    return False


class SlackEngineer:
    """One engineer in channel ``channel``."""

    def __init__(self, world: World, driver: SoakSlackDriver, user: str, channel: str) -> None:
        self.world, self.driver, self.user, self.channel = world, driver, user, channel
        self.log = world.slack.accepted

    async def wait(self, start: int, match: Callable[[Seen], bool], what: str) -> Seen:
        """The first accepted call in this channel from cursor ``start`` that matches."""
        return await self.log.wait(self.channel, start, match, what, self.world.wait_s)

    async def click(
        self, message: Seen, label: str, thread: str, *, extras: bool = False, record: Conversation | None = None
    ) -> bool:
        """Click the button labelled ``label`` (an accepted click is added to ``record``'s causes); with ``extras``
        maybe redeliver it or click it twice."""
        button = message.button(label)
        if button is None:
            raise LookupError(f"no {label!r} button")
        args: dict[str, Any] = {
            "user_id": self.user,
            "channel_id": self.channel,
            "message_ts": message.ts,
            "thread_ts": thread,
        }
        action_ts = f"{time.time():.6f}"
        ledger = self.world.ledger
        if not await accepted(
            ledger, self.driver.block_action(button["action_id"], button["value"], action_ts=action_ts, **args)
        ):
            return False
        if record is not None:
            record.causes.append((f"slack:act:{self.user}:{action_ts}:", time.monotonic()))
        roll = self.world.rng.random() if extras else 1.0
        if roll < 0.1:  # Slack did not see the ack in time: the same click again
            ledger.count().retries += 1
            await self.driver.block_action(
                button["action_id"], button["value"], action_ts=action_ts, retry_num=1, **args
            )
        elif roll < 0.2:  # an impatient engineer clicks twice
            ledger.count().doubles += 1
            await self.driver.block_action(button["action_id"], button["value"], **args)
        return True

    async def checklist(self) -> None:
        """Run sessions until the soak's traffic ends."""
        while self.world.running:
            record = self.world.ledger.open("slack", self.channel, self.world.new_ticket())
            try:
                await self.session(record)
            except (TimeoutError, LookupError) as err:
                record.stalled = str(err)

    async def session(self, record: Conversation) -> None:
        """One checklist session on ``record.ticket``, from start to the submitted resolve form."""
        ledger, ticket = self.world.ledger, record.ticket
        mark = self.log.mark(self.channel)
        start = self.driver.slash_command(f"start {self.world.flow_key} #{ticket}", self.user, self.channel)
        if not await accepted(ledger, start):
            await asyncio.sleep(1)
            return
        record.started = True
        record.causes.append((f"ticket:#{ticket}", time.monotonic()))
        root = await self.wait(
            mark,
            lambda s: s.method == "chat.postMessage" and not s.params.get("thread_ts") and f"#{ticket}" in s.text,
            "session card",
        )
        thread = record.thread = root.ts

        def post_of(number: int) -> Callable[[Seen], bool]:
            return lambda s: (
                s.method == "chat.postMessage" and s.params.get("thread_ts") == thread and step_number(s) == number
            )

        number, step = 1, await self.wait(mark, post_of(1), "step 1")
        while step.button("✓ Done") is not None:
            mark, started = self.log.mark(self.channel), time.monotonic()
            if not await self.click(step, "✓ Done", thread, extras=True, record=record):
                return
            record.clicks += 1
            nxt = await self.wait(mark, post_of(number + 1), f"step {number + 1}")
            edit = next(
                (s for s in self.log.seen[self.channel][mark:] if s.method == "chat.update" and s.ts == step.ts), None
            )
            if edit is not None:
                ledger.latencies.append(edit.at - started)
            ledger.success("step", nxt.at)
            number, step = number + 1, nxt
        mark = self.log.mark(self.channel)
        if not await self.click(step, "✓ Finish", thread):
            return
        form = await self.wait(mark, lambda s: s.method == "views.open", "the resolve form")
        values = {"summary": f"Fixed soak ticket {ticket}.", "followups": ""}
        if await accepted(ledger, self.driver.submit_view(form.params["view"], values, self.user)):
            record.resolved, record.resolved_at = True, time.monotonic()

    async def pilot(self, number: int) -> None:
        """FlowPilot sessions (each in a channel of its own) until the soak's traffic ends."""
        for k in range(1, 1_000_000):
            if not self.world.running:
                return
            self.channel = f"CPIL{number:02d}X{k:04d}"
            record = self.world.ledger.open("pilot", self.channel)
            try:
                await self.pilot_session(record, f"soak problem {number}-{k}: the label printer jams")
            except TimeoutError as err:
                record.stalled = str(err)

    async def pilot_session(self, record: Conversation, problem: str) -> None:
        """``/rf pilot`` and one message in the thread: two turns, each answered once."""
        ledger = self.world.ledger
        mark = self.log.mark(self.channel)
        if not await accepted(ledger, self.driver.slash_command(f"pilot {problem}", self.user, self.channel)):
            await asyncio.sleep(1)
            return
        record.started, record.turns = True, 1
        record.causes.append(("pilot", time.monotonic()))
        root = await self.wait(
            mark, lambda s: s.method == "chat.postMessage" and not s.params.get("thread_ts"), "session card"
        )
        record.thread = root.ts
        await self.turn(mark)
        mark = self.log.mark(self.channel)
        said = self.driver.message_in_thread("It still jams after a restart.", self.channel, root.ts, self.user)
        if await accepted(ledger, said):
            record.turns += 1
            record.causes.append(("pilot", time.monotonic()))
            await self.turn(mark)

    async def turn(self, mark: int) -> None:
        """Wait for a copilot turn's placeholder and its final answer; record who answered."""
        placeholder = await self.wait(
            mark, lambda s: s.method == "chat.postMessage" and THINKING in s.text, "copilot placeholder"
        )
        final = await self.wait(
            mark,
            lambda s: (
                s.method == "chat.update" and s.ts == placeholder.ts and CURSOR not in s.text and THINKING not in s.text
            ),
            "copilot answer",
        )
        self.world.ledger.success("model" if MODEL_MARK in final.text else "fallback", final.at)

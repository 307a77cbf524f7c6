"""The soak's Teams engineers: checklist sessions in threads of the IT Ops General channel, on ConnectWise tickets.

Each engineer is a person of the fake tenant with a ``TeamsDriver`` of their own (the replicas run Teams in
anonymous mode: an Entra fake cannot sign for another process). They @mention the bot with
``start <flow> #<ticket>`` (a new post: the session lives in its thread), press ✓ Done on each step card as it
arrives (``Action.Execute``; 10% are redelivered by "Teams" with the same activity id, 10% pressed twice), then
"Finish & write the note" and submit the resolve form card. An activity a replica failed to acknowledge (5xx,
dropped connection) is delivered again, unchanged, as the Bot Connector service retries.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp

from bench.soak_fakes import Seen
from bench.soak_ledger import Conversation, Ledger
from bench.soak_slack import step_number
from bench.soak_world import World
from bot.handlers.teams.texts import TURN_FAILED
from tests.fakes.teams_driver import Auth, TeamsDriver, TeamsReply
from tests.fakes.teams_roster import TEAM_ID, TeamsUser

Json = dict[str, Any]


def soak_user(n: int) -> TeamsUser:
    """The ``n``-th soak engineer of the fake tenant."""
    object_id = str(uuid.UUID(hashlib.md5(f"soak-{n}".encode()).hexdigest()))
    return TeamsUser(f"29:1soak-{n}", f"Soak Teams {n}", object_id, f"soak.teams{n}@contoso.example")


def _walk(value: Any) -> Iterator[Json]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def action(seen: Seen, title: str) -> Json | None:
    """The ``Action.Execute`` whose title starts with ``title`` on the cards of ``seen``."""
    for item in _walk(seen.params.get("attachments")):
        if item.get("type") == "Action.Execute" and str(item.get("title", "")).startswith(title):
            return item
    return None


class SoakTeamsDriver(TeamsDriver):
    """A ``TeamsDriver`` that delivers an activity again when a replica failed to acknowledge it."""

    def __init__(self, app_url: str, world: World, attempts: int = 10) -> None:
        super().__init__(app_url, world.teams)
        self.ledger: Ledger = world.ledger
        self.attempts = attempts

    async def post(self, activity: Json, auth: Auth = "valid") -> TeamsReply:
        """POST like ``TeamsDriver.post``; a 5xx or a lost connection is delivered again, same activity."""
        reply = TeamsReply(599, "")
        for attempt in range(self.attempts):
            if attempt:
                self.ledger.count().redelivered += 1
            try:
                reply = await super().post(activity, auth)
            except (aiohttp.ClientError, TimeoutError):
                reply = TeamsReply(599, "")
            if reply.status < 500:
                return reply
            await asyncio.sleep(min(2.0, 0.5 * 2**attempt))
        return reply


class TeamsEngineer:
    """One Teams engineer (``user``), each session in a new thread of the General channel."""

    def __init__(self, world: World, driver: SoakTeamsDriver, user: TeamsUser) -> None:
        self.world, self.driver, self.user = world, driver, user
        self.log = world.teams.accepted

    async def sent(self, request: Callable[[], Awaitable[TeamsReply]], tries: int = 5) -> bool:
        """Send one logical request (``request()`` makes it); count it accepted or refused. An invoke answered with
        the bot's apology (it could not store the click: "try again in a moment") is refused, and pressed again
        after a second, as a person would, up to ``tries`` times."""
        counts = self.world.ledger.count
        for _ in range(tries):
            reply = await request()
            if 200 <= reply.status < 300 and TURN_FAILED not in str(reply.body):
                counts().accepted += 1
                return True
            counts().refused += 1
            if TURN_FAILED not in str(reply.body):
                return False
            await asyncio.sleep(1)
        return False

    async def checklist(self) -> None:
        """Run sessions until the soak's traffic ends."""
        while self.world.running:
            record = self.world.ledger.open("teams", "", self.world.new_ticket())
            try:
                await self.session(record)
            except (TimeoutError, LookupError) as err:
                record.stalled = str(err)

    async def press(
        self, card: Seen, conversation: str, title: str, extras: bool = False, record: Conversation | None = None
    ) -> bool:
        """Press the card's ``title`` button (an ``Action.Execute`` invoke; an accepted one is added to
        ``record``'s causes); with ``extras`` maybe have Teams redeliver it or press it twice."""
        pressed = action(card, title)
        if pressed is None:
            raise LookupError(f"no {title!r} action")
        activity = {"id": card.ts, "conversation": {"id": conversation}}
        data = dict(pressed.get("data") or {})
        if not await self.sent(lambda: self.driver.execute(activity, pressed["verb"], data, self.user)):
            return False
        if record is not None:
            record.causes.append((f"teams:act:{self.driver.last_activity.get('id')}:", time.monotonic()))
        roll = self.world.rng.random() if extras else 1.0
        if roll < 0.1:  # Teams did not get the invoke response in time: the same activity again
            self.world.ledger.count().retries += 1
            await self.driver.resend()
        elif roll < 0.2:
            self.world.ledger.count().doubles += 1
            await self.driver.execute(activity, pressed["verb"], data, self.user)
        return True

    async def session(self, record: Conversation) -> None:
        """One checklist session on ``record.ticket``: start, every step, the resolve form."""
        ticket, wait_s = record.ticket, self.world.wait_s
        root = self.world.teams.next_id()
        conversation = record.key = f"{TEAM_ID};messageid={root}"
        record.thread = root
        text = f"start {self.world.flow_key} #{ticket}"
        if not await self.sent(lambda: self.driver.channel_message(text, self.user, activity_id=root), tries=1):
            await asyncio.sleep(1)
            return
        record.started = True
        record.causes.append((f"teams:msg:{root}:", time.monotonic()))

        def post_of(number: int) -> Callable[[Seen], bool]:
            return lambda s: s.method in ("send", "reply") and step_number(s) == number

        first = await self.log.wait(conversation, 0, lambda s: post_of(1)(s) or TURN_FAILED in s.text, "step 1", wait_s)
        if TURN_FAILED in first.text:  # the bot could not take the message in and said so: nothing was started
            self.world.ledger.count().accepted -= 1
            self.world.ledger.count().refused += 1
            record.started = False
            await asyncio.sleep(1)
            return
        number, step = 1, first
        while action(step, "✓ Done") is not None:
            mark = self.log.mark(conversation)
            if not await self.press(step, conversation, "✓ Done", extras=True, record=record):
                return
            record.clicks += 1
            nxt = await self.log.wait(conversation, mark, post_of(number + 1), f"step {number + 1}", wait_s)
            self.world.ledger.success("step", nxt.at)
            number, step = number + 1, nxt
        mark = self.log.mark(conversation)
        if not await self.press(step, conversation, "✓ Finish"):
            return

        def is_form(s: Seen) -> bool:
            return s.method in ("send", "reply") and any(
                str(o.get("id")) == "rf.in.summary" for o in _walk(s.params.get("attachments"))
            )

        form = await self.log.wait(conversation, mark, is_form, "the resolve form", wait_s)
        submit = next(
            (
                o
                for o in _walk(form.params.get("attachments"))
                if o.get("type") == "Action.Execute" and str(o.get("verb", "")).startswith("rf.form.")
            ),
            None,
        )
        if submit is None:
            raise LookupError("no submit action on the resolve form")
        filled = {
            str(o["id"]): str(o["value"])
            for o in _walk(form.params.get("attachments"))
            if str(o.get("type", "")).startswith("Input.") and "value" in o
        }
        data = dict(submit.get("data") or {}) | filled
        data |= {"rf.in.summary": f"Fixed soak ticket {ticket}.", "rf.in.followups": ""}
        activity = {"id": form.ts, "conversation": {"id": conversation}}
        if await self.sent(lambda: self.driver.execute(activity, submit["verb"], data, self.user)):
            record.resolved, record.resolved_at = True, time.monotonic()

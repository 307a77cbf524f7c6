"""Probes: people who keep typing while a fault lasts, so that acknowledgements during the fault are tested too.

The checklist engineers mostly wait for the bot while the database is down or a replica is gone, so few of their
requests arrive during the fault. A prober sends ``help`` every ``every`` seconds, alternately from Slack (``/rf
help`` in a channel of its own) and from Teams (a 1:1 chat of its own), until the fault ends. A probe Slack
acknowledged (after Slack's redeliveries) or Teams answered 202 must get its answer; one Teams took but could not
store is told so at once (``TURN_FAILED``: "try again in a moment"), which counts as refused, not lost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bench.soak_fakes import Seen
from bench.soak_ledger import Conversation
from bench.soak_slack import SoakSlackDriver, accepted
from bench.soak_teams import SoakTeamsDriver, soak_user
from bench.soak_world import World
from bot.handlers.teams.texts import TURN_FAILED

PROBE_USER = "UPROBE"
FIRST_TEAMS_PROBE = 1000  # soak_user numbers of the Teams probes


def turn_failed(seen: Seen) -> bool:
    """The bot's apology for a turn it could not take in."""
    return TURN_FAILED in seen.text


class Prober:
    """Sends probes through the soak's proxy while ``active()``."""

    def __init__(self, world: World, front: str, slack: SoakSlackDriver) -> None:
        self.world, self.front, self.slack = world, front, slack
        self.sent = 0

    async def run(self, active: Callable[[], bool], every: float = 0.25) -> None:
        """Probe until ``active()`` is false (at least once)."""
        tasks: list[asyncio.Task[None]] = []
        while True:
            self.sent += 1
            probe = self.slack_probe if self.sent % 2 else self.teams_probe
            tasks.append(asyncio.create_task(probe(self.sent)))
            await asyncio.sleep(every)
            if not active():
                break
        await asyncio.gather(*tasks, return_exceptions=True)

    async def slack_probe(self, n: int) -> None:
        """``/rf help`` in a channel of its own."""
        channel = f"CPROBE{n:04d}"
        record = self.world.ledger.open("probe-slack", channel)
        record.causes.append((channel, time.monotonic()))
        record.started = await accepted(self.world.ledger, self.slack.slash_command("help", PROBE_USER, channel))
        if record.started:
            await self.answer(record)

    async def teams_probe(self, n: int) -> None:
        """``help`` in a 1:1 chat of its own."""
        user = self.world.teams.add_user(soak_user(FIRST_TEAMS_PROBE + n))
        record = self.world.ledger.open("probe-teams", self.world.teams.personal_conversation_id(user.id))
        record.causes.append((record.key, time.monotonic()))
        async with SoakTeamsDriver(self.front, self.world) as driver:
            reply = await driver.personal_message("help", user)
        record.started = 200 <= reply.status < 300
        counts = self.world.ledger.count(record.causes[0][1])
        if not record.started:
            counts.refused += 1
            return
        seen = await self.answer(record)
        if seen is not None and turn_failed(seen):
            counts.refused += 1
            record.started, record.turns = False, 0  # told to try again: nothing was promised
        else:
            counts.accepted += 1

    async def answer(self, record: Conversation) -> Seen | None:
        """Wait for the probe's answer (or the apology); ``record.turns`` = 1 once it came."""
        log = self.world.teams.accepted if record.platform == "probe-teams" else self.world.slack.accepted
        try:
            seen = await log.wait(record.key, 0, lambda s: True, "an answer", self.world.wait_s)
        except TimeoutError as err:
            record.stalled = str(err)
            return None
        record.turns = 1
        return seen

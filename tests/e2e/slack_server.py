"""The real ``rfbot serve`` application on 127.0.0.1:0, wired to a fake Slack Web API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.app import App, build_app
from bot.config import Settings
from bot.engine.ports import Clock
from bot.flows.loader import bundled_samples_dir, flow_files, load_flow_file
from bot.flows.model import FlowStatus

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-T1"


@dataclass
class RunningBot:
    """A served app and its base URL."""

    url: str
    app: App

    async def fire_due(self) -> None:
        """Record every schedule fire due by the app's clock, the way the scheduler's leader does at its next poll
        (stored schedule -> run + inbox event in one transaction), then wait until the worker has handled every
        pending event and delivered its replies. With a ``FakeClock`` (``running_bot(..., clock=...)``) this is how a
        test moves time on: ``clock.advance(minutes=16)``, then ``await bot.fire_due()``."""
        scheduler, worker = self.app.scheduler, self.app.worker
        assert scheduler is not None and worker is not None, "the scheduler is off (RFBOT_SCHEDULER_ENABLED=0)"
        deadline = time.monotonic() + 10
        while not scheduler.leading:  # the leader loop's first pass takes the lead (at once, but in the background)
            assert time.monotonic() < deadline, "the scheduler never became the leader"
            await asyncio.sleep(0.01)
        await scheduler.reload()  # what the worker's handlers put or moved since the last poll
        await scheduler.catch_up()  # serialized with the loop's own fires; each fire is recorded once
        await worker.drain_once()


async def import_bundled(app: App) -> None:
    """Load the bundled flows as public flows."""
    async with app.database.uow() as uow:
        for path in flow_files(bundled_samples_dir()):
            await uow.flows.save(None, load_flow_file(path), path.read_text(encoding="utf-8"), FlowStatus.PUBLISHED)
        await uow.commit()


@asynccontextmanager
async def running_bot(
    database_url: str, slack_api_url: str, *, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """Serve the bot (worker and scheduler included) until the block exits; ``clock`` replaces the system clock (a
    ``tests.fakes.memory_store.FakeClock`` makes schedules fire only when the test moves it and calls
    ``RunningBot.fire_due``); ``overrides`` are further ``Settings`` fields."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_api_url.rstrip("/") + "/api/",
        "card_update_delay": 0,  # cards updated with every step, so transcripts are deterministic
    }
    settings = Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]
    app = build_app(settings, clock=clock)
    await import_bundled(app)
    runner = web.AppRunner(app.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield RunningBot(f"http://127.0.0.1:{port}", app)
    finally:
        await runner.cleanup()

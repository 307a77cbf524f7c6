"""The real ``rfbot serve`` application on 127.0.0.1:0, wired to a fake Slack Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.app import App, build_app
from bot.config import Settings
from bot.flows.loader import bundled_samples_dir, flow_files, load_flow_file
from bot.flows.model import FlowStatus

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-T1"


@dataclass
class RunningBot:
    """A served app and its base URL."""

    url: str
    app: App


async def import_bundled(app: App) -> None:
    """Load the bundled flows as public flows."""
    async with app.database.uow() as uow:
        for path in flow_files(bundled_samples_dir()):
            await uow.flows.save(None, load_flow_file(path), path.read_text(encoding="utf-8"), FlowStatus.PUBLISHED)
        await uow.commit()


@asynccontextmanager
async def running_bot(database_url: str, slack_api_url: str, **overrides: Any) -> AsyncIterator[RunningBot]:
    """Serve the bot (worker included) until the block exits; ``overrides`` are further ``Settings`` fields."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_api_url.rstrip("/") + "/api/",
        "card_update_delay": 0,  # cards updated with every step, so transcripts are deterministic
    }
    settings = Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]
    app = build_app(settings)
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

"""``/privacy`` and ``/terms`` (linked from the Teams app package) answer with plain HTML, also without any
platform configured."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.metrics import Metrics
from bot.web import build_web_app


async def healthy() -> bool:
    return True


async def test_the_public_pages_answer() -> None:
    app = build_web_app(metrics=Metrics(), health=healthy, routes=[])
    async with TestClient(TestServer(app)) as client:
        for path, words in (("/privacy", "are masked"), ("/terms", "never run by the bot")):
            response = await client.get(path)
            assert response.status == 200 and response.content_type == "text/html"
            assert words in await response.text()

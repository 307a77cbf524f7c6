"""A bare bolt ``AsyncApp`` on aiohttp that verifies and acks ``block_actions`` and does nothing else.

The baseline for ``bench_slack``: ``python -m bench.bare_bolt PORT SIGNING_SECRET``.
"""

from __future__ import annotations

import re
import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult


def build(signing_secret: str) -> web.Application:
    """The bare app: one action listener that only acks, on ``POST /slack/events``."""
    async def authorize(enterprise_id, team_id, user_id) -> AuthorizeResult:  # type: ignore[no-untyped-def]
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bare",
                               bot_user_id="UBARE", bot_id="BBARE")

    bolt = AsyncApp(signing_secret=signing_secret, authorize=authorize)

    @bolt.action(re.compile(".*"))
    async def only_ack(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    web.run_app(build(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)

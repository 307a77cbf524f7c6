"""The OAuth install pages: ``GET /slack/install`` (the "Add to Slack" page, which issues a one-time state) and
``GET /slack/oauth_redirect`` (Slack sends the installer back here; bolt checks the state, exchanges the code with
``oauth.v2.access`` and stores the installation). Only mounted when the app runs in multi-workspace mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def oauth_routes(bolt: AsyncApp) -> list[tuple[str, str, Handler]]:
    """``(method, path, handler)`` for the install and redirect pages; empty without an OAuth flow."""
    flow = bolt.oauth_flow
    if flow is None:
        return []

    async def install(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    return [("GET", flow.install_path, install), ("GET", flow.redirect_uri_path, redirect)]

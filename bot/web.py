"""The aiohttp server of ``rfbot serve``: the platform routes (Slack at ``/slack/events``; Teams mounts
``/api/messages``), health, metrics, and the public ``/privacy`` and ``/terms`` pages app listings link to."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from bot import web_pages
from bot.logs import log_context
from bot.metrics import Metrics

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HealthCheck = Callable[[], Awaitable[bool]]
ReadyCheck = Callable[[], Awaitable[dict[str, object]]]
MAX_BODY = 1024 * 1024  # bytes of a request body: Slack and Teams payloads are a few KiB; more is refused with 413


def build_web_app(
    *,
    metrics: Metrics,
    health: HealthCheck,
    routes: Sequence[tuple[str, str, Handler]],
    on_startup: list[Callable[[], Awaitable[None]]] | None = None,
    on_cleanup: list[Callable[[], Awaitable[None]]] | None = None,
    ready: ReadyCheck | None = None,
) -> web.Application:
    """An aiohttp application with the given platform routes plus ``/healthz`` (liveness: the database answers),
    ``/readyz`` (readiness: ``ready`` says ``{"ready": true, ...}``; a load balancer sends traffic only then),
    ``/metrics``, ``/privacy`` and ``/terms``."""

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
        given = "".join(c for c in request.headers.get("X-Request-Id", "")[:64] if c.isalnum() or c in "-_.")
        request_id = given or secrets.token_hex(8)  # a proxy's id, cleaned (it goes into log lines), else our own
        try:
            if (request.content_length or 0) > MAX_BODY:  # refused before any handler reads it (or checks a token)
                raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length or 0)
            with log_context(request_id=request_id):
                response = await handler(request)
        except web.HTTPException as exc:
            metrics.requests.labels(route, str(exc.status)).inc()
            raise
        metrics.requests.labels(route, str(response.status)).inc()
        return response

    async def healthz(request: web.Request) -> web.Response:
        ok = await health()
        return web.json_response({"status": "ok" if ok else "degraded", "database": ok}, status=200 if ok else 503)

    async def readyz(request: web.Request) -> web.Response:
        state = await ready() if ready is not None else {"ready": await health()}
        return web.json_response(state, status=200 if state.get("ready") else 503)

    async def metrics_view(request: web.Request) -> web.Response:
        return web.Response(body=await metrics.scrape(), headers={"Content-Type": metrics.content_type})

    app = web.Application(middlewares=[count], client_max_size=MAX_BODY)  # bounds chunked bodies' reads too
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    for path, html in web_pages.PAGES.items():
        app.router.add_get(path, _static(html))
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
    for hook in on_startup or []:
        app.on_startup.append(lambda _app, hook=hook: hook())  # type: ignore[misc]
    for hook in on_cleanup or []:
        app.on_cleanup.append(lambda _app, hook=hook: hook())  # type: ignore[misc]
    return app


def _static(html: str) -> Handler:
    async def show(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    return show


def run(app: web.Application, host: str, port: int, echo: Callable[..., None], *, fast_loop: bool = True) -> None:
    """Serve until interrupted, on uvloop's event loop when it is installed and ``fast_loop`` (asyncio's own
    otherwise)."""
    web.run_app(app, host=host, port=port, print=echo, loop=new_event_loop(fast_loop))


def new_event_loop(fast: bool = True) -> asyncio.AbstractEventLoop:
    """uvloop's event loop (libuv: cheaper socket I/O per request) when ``fast`` and installed, else asyncio's."""
    if fast:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()

"""``rfbot serve`` — the chat platforms' HTTP endpoints, the worker, health and metrics, in one process."""

from __future__ import annotations

import logging
from typing import Any

import click

from bot.app import build_app
from bot.cli.common import load_settings
from bot.logs import configure_logging
from bot.store import migrate
from bot.store.secrets import SecretsError
from bot.web import run

log = logging.getLogger(__name__)
NO_PLATFORM = (
    "No chat platform is configured (Slack: SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN or the OAuth app; Teams: "
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID); serving health and metrics only."
)
PARTS = (
    ("/slack/", "Slack"),
    ("/api/messages", "Teams"),
    ("/healthz", "health"),
    ("/readyz", "readiness"),
    ("/metrics", "metrics"),
    ("/privacy", "pages"),
    ("/terms", "pages"),
)


def served(web_app: Any) -> str:
    """What the server (an aiohttp ``Application``) answers, by part, read from its routes: ``Serving Slack (POST
    /slack/events), Teams (POST /api/messages), health (GET /healthz), readiness (GET /readyz), metrics (GET
    /metrics), pages (GET /privacy, GET /terms).``"""
    parts: dict[str, list[str]] = {}
    for route in web_app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method == "HEAD" or not path:
            continue
        name = next((label for prefix, label in PARTS if path.startswith(prefix)), "other")
        parts.setdefault(name, []).append(f"{route.method} {path}")
    order = [label for _, label in PARTS]
    ranked = sorted(parts.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    listed = ", ".join(f"{name} ({', '.join(routes)})" for name, routes in ranked)
    return f"Serving {listed}."


@click.command()
@click.option("--host", default=None, help="Listen address (default RFBOT_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Listen port (default RFBOT_PORT or 3000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the configured chat platforms -- Slack (POST /slack/events; GET /slack/install and
    /slack/oauth_redirect with the OAuth app) and Teams (POST /api/messages) -- plus GET /healthz, GET /metrics and
    the /privacy and /terms pages, with the background worker."""
    settings = load_settings()
    if migrate.current(settings.database_url) != migrate.head():
        raise click.ClickException("The database schema is not up to date. Run `rfbot db upgrade` first.")
    configure_logging(settings.log_level, settings.log_format, settings.secret_values())
    if not settings.slack_enabled and not settings.teams_enabled:
        click.echo(NO_PLATFORM, err=True)
    try:
        app = build_app(settings)
    except SecretsError as err:
        raise click.ClickException(str(err)) from None
    web_app = app.web_app()
    click.echo(served(web_app), err=True)
    run(web_app, host or settings.host, port or settings.port, click.echo, fast_loop=settings.fast_loop)

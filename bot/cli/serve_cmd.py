"""``rfbot serve`` — the chat platforms' HTTP endpoint, the worker, health and metrics, in one process."""

from __future__ import annotations

import logging

import click

from bot.app import build_app
from bot.cli.common import load_settings
from bot.store import migrate
from bot.store.secrets import SecretsError
from bot.web import run

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default=None, help="Listen address (default RFBOT_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Listen port (default RFBOT_PORT or 3000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve Slack (POST /slack/events), GET /healthz and GET /metrics, with the background worker."""
    settings = load_settings()
    if migrate.current(settings.database_url) != migrate.head():
        raise click.ClickException("The database schema is not up to date. Run `rfbot db upgrade` first.")
    logging.getLogger().setLevel(settings.log_level.upper())
    if not settings.slack_enabled:
        click.echo(
            "Slack is not configured (SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN); serving health and metrics only.",
            err=True,
        )
    try:
        app = build_app(settings)
    except SecretsError as err:
        raise click.ClickException(str(err)) from None
    run(app.web_app(), host or settings.host, port or settings.port, click.echo, fast_loop=settings.fast_loop)

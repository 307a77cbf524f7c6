"""``rfbot keys generate | rotate`` — keys for ``RFBOT_SECRET_KEYS`` (credentials at rest)."""

from __future__ import annotations

import click

from bot.store.secrets import NO_KEYS, SecretsError, generate_key


@click.group()
def keys() -> None:
    """Encryption keys for stored credentials."""


@keys.command()
def generate() -> None:
    """Print a new random key. Put it first in RFBOT_SECRET_KEYS (comma-separated; the first key encrypts, every
    key decrypts), and keep it safe: stored credentials cannot be read without it."""
    click.echo(generate_key())


@keys.command()
def rotate() -> None:
    """Re-encrypt every stored secret (PSA keys, Slack tokens) under the first key of RFBOT_SECRET_KEYS.

    Put the new key first and keep the old ones after it; run this; then the old keys can be removed."""
    from bot.app import App
    from bot.cli.common import run_with_app

    async def work(app: App) -> int:
        if app.psa_connections is None:
            raise click.ClickException(NO_KEYS)
        try:
            return await app.psa_connections.rotate()
        except SecretsError as err:
            raise click.ClickException(str(err)) from None

    count = run_with_app(work)
    click.echo(f"Re-encrypted {count} stored secrets under the first key.")

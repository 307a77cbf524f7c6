"""``rfbot keys generate`` — a new key for ``RFBOT_SECRET_KEYS`` (credentials at rest)."""

from __future__ import annotations

import click

from bot.store.secrets import generate_key


@click.group()
def keys() -> None:
    """Encryption keys for stored credentials."""


@keys.command()
def generate() -> None:
    """Print a new random key. Put it first in RFBOT_SECRET_KEYS (comma-separated; the first key encrypts, every
    key decrypts), and keep it safe: stored credentials cannot be read without it."""
    click.echo(generate_key())

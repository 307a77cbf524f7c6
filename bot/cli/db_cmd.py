"""``rfbot db`` — schema migrations."""

from __future__ import annotations

import click

from bot.cli.common import load_settings
from bot.store import migrate


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Create or upgrade the schema."""
    url = load_settings().database_url
    migrate.upgrade(url, revision)
    click.echo(f"Database at revision {migrate.current(url)}.")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (``base`` removes every table)."""
    url = load_settings().database_url
    migrate.downgrade(url, revision)
    click.echo(f"Database at revision {migrate.current(url) or 'base'}.")


@db.command()
def current() -> None:
    """Print the current schema revision."""
    click.echo(migrate.current(load_settings().database_url) or "base (no schema)")

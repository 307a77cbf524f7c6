"""``rfbot config check`` — what is set, what is missing, secrets masked."""

from __future__ import annotations

import click

from bot.cli.common import load_settings
from bot.config import report


@click.group()
def config() -> None:
    """Configuration."""


@config.command()
def check() -> None:
    """Print every setting: its value (secrets masked), and whether it was set or defaulted."""
    settings = load_settings()
    rows = report(settings)
    width = max(len(r.name) for r in rows)
    for row in rows:
        state = "set" if row.is_set else ("missing" if not row.value else "default")
        value = row.value or "—"
        click.echo(f"{row.name.ljust(width)}  {state:<8} {value}")
        if row.description:
            click.echo(f"{'':{width}}  {'':<8} {click.style(row.description, dim=True)}")


@config.command()
def reference() -> None:
    """Print the environment reference as Markdown (every variable, its default, whether it is secret, what it does):
    `rfbot config reference > docs/configuration.md`."""
    from bot.config_reference import reference as markdown

    click.echo(markdown(), nl=False)

"""The ``rfbot`` command line: serve, console, db, flows, index, config, keys, psa, teams."""

from __future__ import annotations

import click

from bot.cli.config_cmd import config
from bot.cli.console_cmd import console
from bot.cli.db_cmd import db
from bot.cli.flows_cmd import flows
from bot.cli.index_cmd import index
from bot.cli.keys_cmd import keys
from bot.cli.psa_cmd import psa
from bot.cli.serve_cmd import serve
from bot.cli.teams_cmd import teams
from bot.logs import configure_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
def cli(verbose: bool) -> None:
    """ResolutionFlow Bot — guided troubleshooting that writes the ticket note for you."""
    configure_logging("DEBUG" if verbose else "WARNING")


cli.add_command(db)
cli.add_command(flows)
cli.add_command(index)
cli.add_command(console)
cli.add_command(config)
cli.add_command(serve)
cli.add_command(keys)
cli.add_command(psa)
cli.add_command(teams)


def main() -> None:
    """Console-script entry point."""
    cli()

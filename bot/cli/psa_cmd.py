"""``rfbot psa connect | check | disconnect`` — a team's ConnectWise Manage connection."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.app import App
from bot.cli.common import load_settings, run_with_app
from bot.engine.psa import CheckResult, PsaCredentials, PsaError
from bot.store import migrate
from bot.store.secrets import NO_KEYS

TEAM_HELP = "Team name (e.g. `default`, or `slack:T0123` for a Slack workspace)."


async def _team_id(app: App, name: str) -> str:
    async with app.database.uow() as uow:
        team = await uow.teams.get_by_name(name)
    if team is None:
        raise click.ClickException(f"No team named {name!r}. Teams are created on first use; `slack:<id>` for Slack.")
    return team.id


def _print(results: list[CheckResult]) -> bool:
    for result in results:
        mark = click.style("ok  ", fg="green") if result.ok else click.style("FAIL", fg="red")
        click.echo(f"{mark} {result.what}" + (f" — {result.detail}" if result.detail else ""))
    return all(r.ok for r in results)


def _require_migrated() -> None:
    settings = load_settings()
    if migrate.current(settings.database_url) != migrate.head():
        raise click.ClickException("The database schema is not up to date. Run `rfbot db upgrade` first.")


@click.group()
def psa() -> None:
    """The PSA (ConnectWise Manage) connection of a team."""


@psa.command()
@click.option("--team", "team_name", required=True, help=TEAM_HELP)
@click.option("--site", required=True, help="Site URL, e.g. https://na.myconnectwise.net")
@click.option("--company", required=True, help="ConnectWise login company id.")
@click.option("--public-key", required=True, help="API member public key.")
@click.option("--private-key", prompt=True, hide_input=True, help="API member private key (prompted if omitted).")
@click.option("--client-id", required=True, help="clientId from developer.connectwise.com.")
@click.option("--no-check", is_flag=True, help="Store without trying the connection first.")
def connect(
    team_name: str, site: str, company: str, public_key: str, private_key: str, client_id: str, no_check: bool
) -> None:
    """Store a team's ConnectWise connection (keys encrypted with RFBOT_SECRET_KEYS), after checking it works."""
    _require_migrated()
    credentials = PsaCredentials("connectwise", site.strip(), company.strip(), public_key, private_key, client_id)

    async def work(app: App) -> bool:
        if app.psa_connections is None:
            raise click.ClickException(NO_KEYS)
        team_id = await _team_id(app, team_name)
        if not no_check:
            from bot.app.psa import connectwise_factory

            client = connectwise_factory(credentials)
            try:
                ok = _print(await client.check())
            finally:
                await client.close()
            if not ok:
                return False
        await app.psa_connections.put(team_id, credentials, datetime.now(UTC))
        return True

    if not run_with_app(work):
        raise click.ClickException("Nothing was stored: the connection does not work yet (or use --no-check).")
    click.echo(f"Connected team {team_name} to ConnectWise company {company}.")


@psa.command()
@click.option("--team", "team_name", default=None, help=TEAM_HELP + " Default: the CW_* environment connection.")
def check(team_name: str | None) -> None:
    """Call the PSA with the team's (or the environment's) connection and report what works."""
    _require_migrated()

    async def work(app: App) -> bool:
        assert app.psa is not None
        team_id = await _team_id(app, team_name) if team_name else ""
        client = await app.psa.for_team(team_id) if team_id else None
        if client is None and not team_id:
            from bot.app.psa import connectwise_factory, env_credentials

            credentials = env_credentials(app.settings)
            client = connectwise_factory(credentials) if credentials is not None else None
        if client is None:
            raise click.ClickException("No PSA connection: use `rfbot psa connect` or set the CW_* variables.")
        try:
            return _print(await client.check())
        except PsaError as err:
            raise click.ClickException(err.message) from None

    if not run_with_app(work):
        raise SystemExit(1)


@psa.command()
@click.option("--team", "team_name", required=True, help=TEAM_HELP)
def disconnect(team_name: str) -> None:
    """Forget a team's stored connection."""
    _require_migrated()

    async def work(app: App) -> bool:
        if app.psa_connections is None:
            raise click.ClickException(NO_KEYS)
        return await app.psa_connections.delete(await _team_id(app, team_name))

    click.echo("Disconnected." if run_with_app(work) else f"Team {team_name} had no stored connection.")

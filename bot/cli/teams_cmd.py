"""``rfbot teams manifest`` — the Teams app package (manifest.json + icons) to upload in Teams."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as distribution_version
from pathlib import Path
from typing import Any

import click

from bot.handlers.teams_manifest import MANIFEST_VERSION, AppSpec, InvalidSpec, build_package, texts
from bot.handlers.teams_manifest import spec as specs


def _checked(parse: Callable[[str], Any]) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A click callback that checks a value with ``parse`` and turns ``InvalidSpec`` into a usage error naming the
    option, so a bad value stops the command before anything is built or written."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None:
            try:
                parse(value)
            except InvalidSpec as err:
                raise click.BadParameter(str(err), ctx=ctx, param=param) from None
        return value

    return callback


def _check_package_id(value: str) -> str:
    return specs.parse_guid(value, texts.BAD_PACKAGE_ID)


def _default_version() -> str:
    try:
        return specs.version_from(distribution_version("resolutionflow-bot"))
    except PackageNotFoundError:
        return "1.0.0"


@click.group()
def teams() -> None:
    """Microsoft Teams."""


@teams.command()
@click.option(
    "--app-id",
    required=True,
    callback=_checked(specs.parse_app_id),
    help="The bot's Microsoft App ID (its Entra app registration's client id, a GUID).",
)
@click.option(
    "--host",
    required=True,
    callback=_checked(specs.parse_host),
    help="The public HTTPS host of rfbot serve, e.g. bot.example.com (no http://).",
)
@click.option(
    "--name",
    default=texts.DEFAULT_NAME,
    show_default=True,
    callback=_checked(specs.parse_name),
    help="The app's name in Teams (at most 30 characters).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("var/teams-app.zip"),
    show_default=True,
    help="Where to write the zip.",
)
@click.option(
    "--version",
    "app_version",
    callback=_checked(specs.parse_version),
    help="The app package version (x.y.z); raise it for every upload. Default: this bot's version.",
)
@click.option(
    "--package-id",
    callback=_checked(_check_package_id),
    help="The Teams app id (a GUID). Default: derived from --app-id, the same on every run.",
)
def manifest(app_id: str, host: str, name: str, out: Path, app_version: str | None, package_id: str | None) -> None:
    """Write the Teams app package: manifest.json, color.png and outline.png in one zip.

    Upload it in Teams as a custom app (Apps, Manage your apps) or, for the whole organisation, in the Teams admin
    center (Teams apps, Manage apps). The README's "Install in Teams" walks through the Azure Bot registration
    (single-tenant) whose Microsoft App ID goes in --app-id."""
    spec = AppSpec.parse(
        app_id=app_id, host=host, name=name, version=app_version or _default_version(), package_id=package_id
    )
    _write(out, build_package(spec))
    click.echo(f"Wrote {out} (Teams app {spec.package_id}, version {spec.version}, manifest {MANIFEST_VERSION}).")
    click.echo(f"Messaging endpoint for the Azure Bot: {spec.messaging_endpoint}")


def _write(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` all at once (a temporary file renamed over it), or fail with nothing written."""
    temporary: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
        temporary = None
    except OSError as err:
        raise click.ClickException(f"Cannot write {out}: {err.strerror or err}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)

"""``rfbot flows`` — validate, import, export, list and show guided flows."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click

from bot.app import App
from bot.cli.common import load_settings, run_with_app
from bot.cli.index_cmd import reindex
from bot.engine.directory import ensure_team
from bot.engine.steplib.sync import resolve_refs, sync_flow
from bot.flows.loader import FlowLoadError, bundled_samples_dir, dump_flow, flow_files, load_flow_file
from bot.flows.model import Flow, FlowStatus
from bot.flows.validator import validate_paths
from bot.store import migrate


def _files(paths: tuple[Path, ...], bundled: bool) -> list[Path]:
    roots = list(paths) + ([bundled_samples_dir()] if bundled or not paths else [])
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files.extend(sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(root)
    return files


def flow_dict(flow: Flow) -> dict[str, Any]:
    """A JSON-able form of a flow for ``--json`` output."""
    data = dataclasses.asdict(flow)
    data.pop("_index", None)
    for node in data["nodes"]:
        node.pop("line", None)
    data.pop("source_path", None)
    return data


def known_flow_keys() -> set[str]:
    """Flow keys a sub-flow may point at: the bundled samples and, if the database is set up, every stored flow."""
    keys: set[str] = set()
    for path in flow_files(bundled_samples_dir()):
        try:
            keys.add(load_flow_file(path).key)
        except FlowLoadError:
            continue  # a broken sample is reported by the validation itself
    url = load_settings().database_url
    try:
        migrated = migrate.current(url) is not None
    except Exception:  # an unreachable database only means fewer known keys
        migrated = False
    if migrated:

        async def stored(app: App) -> set[str]:
            async with app.database.uow() as uow:
                return {f.key for f in await uow.flows.list("", include_drafts=True)}

        keys |= run_with_app(stored)
    return keys


@click.group()
def flows() -> None:
    """Guided flows: troubleshooting trees, procedures, maintenance runs."""


@flows.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check flow files (default: the bundled samples); every problem is listed with file and line."""
    files = _files(paths, False)
    errors = validate_paths(files, known_flow_keys())
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise click.ClickException(f"{len(errors)} problem(s) in {len(files)} file(s).")
    click.echo(f"{len(files)} flow file(s) valid.")


@flows.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--bundled", is_flag=True, help="Import the bundled sample flows.")
@click.option("--team", default=None, help="Import as this team's flows (default: public flows).")
@click.option("--draft", is_flag=True, help="Store as drafts instead of publishing.")
def import_(paths: tuple[Path, ...], bundled: bool, team: str | None, draft: bool) -> None:
    """Validate and store flows; publishing a changed flow bumps its version, an unchanged one is a no-op."""
    files = _files(paths, bundled)
    errors = validate_paths(files, known_flow_keys())
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"Nothing imported: {len(errors)} problem(s). Fix them and run again.")
    status = FlowStatus.DRAFT if draft else FlowStatus.PUBLISHED

    async def work(app: App) -> list[tuple[str, int]]:
        async with app.database.uow() as uow:
            team_id = None
            if team:
                team_id = (await ensure_team(uow, app.ids, team, app.clock.now())).id
            stored = []
            for path in files:
                flow = load_flow_file(path)
                flow, text, bad = await resolve_refs(uow, team_id, "", flow, path.read_text(encoding="utf-8"))
                if bad:  # a `step:` naming no library step: nothing is imported
                    raise click.ClickException("\n".join(str(e) for e in bad))
                version = await uow.flows.save(team_id, flow, text, status)
                if not draft:  # published steps join the step library (public for public flows)
                    await sync_flow(uow, app.ids, team_id, flow, app.clock.now())
                stored.append((flow.key, version))
            await uow.commit()
            return stored

    for key, version in run_with_app(work):
        click.echo(f"{key} v{version} ({status.value})")
    if not draft:
        _update_search_index()


def _update_search_index() -> None:
    """Re-index the published flows (only changed ones are written); reported on stderr, never fatal."""
    try:
        mode, report = run_with_app(lambda app: reindex(app, sessions=False))
    except Exception as err:  # the flows are stored; the index can be rebuilt later
        click.echo(f"Search index not updated ({type(err).__name__}); run `rfbot index rebuild`.", err=True)
        return
    click.echo(f"Search index ({mode}): {report}.", err=True)


async def _get(app: App, key: str, team: str | None, version: int | None, drafts: bool = False) -> Flow:
    async with app.database.uow() as uow:
        team_row = await uow.teams.get_by_name(team) if team else None
        team_id = team_row.id if team_row else ""
        flow = await uow.flows.get(team_id, key, version)
        if flow is None:
            known = [f.key for f in await uow.flows.list(team_id, include_drafts=True)]
            hint = f" Known flows: {', '.join(sorted(known))}." if known else " Import some with `rfbot flows import`."
            raise click.ClickException(f"No flow {key!r}{f' version {version}' if version else ''}.{hint}")
        return flow


@flows.command(name="list")
@click.option("--team", default=None, help="Include this team's flows.")
@click.option("--drafts", is_flag=True, help="Include drafts.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(team: str | None, drafts: bool, as_json: bool) -> None:
    """List stored flows (latest version of each)."""

    async def work(app: App) -> list[Flow]:
        async with app.database.uow() as uow:
            team_row = await uow.teams.get_by_name(team) if team else None
            return list(await uow.flows.list(team_row.id if team_row else "", include_drafts=drafts))

    found = sorted(run_with_app(work), key=lambda f: (f.kind.value, f.key))
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "key": f.key,
                        "name": f.name,
                        "kind": f.kind.value,
                        "version": f.version,
                        "status": f.status.value,
                        "category": f.category,
                        "tags": list(f.tags),
                    }
                    for f in found
                ],
                indent=2,
            )
        )
        return
    if not found:
        click.echo("No flows stored. Run `rfbot flows import --bundled`.")
    for f in found:
        click.echo(f"{f.key:<32} {f.kind.value:<16} v{f.version:<3} {f.status.value:<10} {f.name}")


@flows.command()
@click.argument("key")
@click.option("--team", default=None)
@click.option("--version", type=int, default=None, help="A specific version (default: latest published).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(key: str, team: str | None, version: int | None, as_json: bool) -> None:
    """Show one flow: its nodes or steps."""
    flow = run_with_app(lambda app: _get(app, key, team, version))
    if as_json:
        click.echo(json.dumps(flow_dict(flow), indent=2, default=str))
        return
    click.echo(f"{flow.name} ({flow.key} v{flow.version}, {flow.kind.value}, {flow.status.value})")
    if flow.description:
        click.echo(flow.description)
    for node in flow.nodes:
        label = node.title or node.question or node.id
        click.echo(f"  {node.id:<28} {node.type.value:<15} {label}")


@flows.command()
@click.argument("key")
@click.option("--team", default=None)
@click.option("--version", type=int, default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export(key: str, team: str | None, version: int | None, output: Path | None) -> None:
    """Export a stored flow as YAML (to stdout or a file)."""
    text = dump_flow(run_with_app(lambda app: _get(app, key, team, version)))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}")


@flows.command()
@click.argument("key")
@click.option("--team", default=None)
@click.option("--version", type=int, default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: KEY.png")
def diagram(key: str, team: str | None, version: int | None, output: Path | None) -> None:
    """Draw a stored flow as a PNG diagram (the same picture `flow show KEY` posts in chat)."""
    from bot.flows.diagram import render  # pillow and grandalf load only for this command

    flow = run_with_app(lambda app: _get(app, key, team, version))
    png, plan = render(flow)
    target = output or Path(f"{flow.key}.png")
    target.write_bytes(png)
    click.echo(f"Wrote {target} ({plan.width}x{plan.height}, {len(plan.boxes)} steps)")
    if plan.note:
        click.echo(plan.note)

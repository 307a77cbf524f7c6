"""``rfbot index rebuild | search`` — FlowPilot's retrieval index over flows and resolved sessions."""

from __future__ import annotations

from collections.abc import Callable

import click

from bot.app import App
from bot.app.pilot import retriever_for
from bot.cli.common import run_with_app
from bot.engine.copilot import Hit
from bot.pilot.retrieval import IndexReport


async def reindex(
    app: App, *, sessions: bool = True, progress: Callable[[str], None] | None = None
) -> tuple[str, IndexReport]:
    """Bring the index in line with the stored flows (and resolved sessions); returns the mode and the report."""
    retriever, store = retriever_for(app.settings, app.database)
    return retriever.mode, await retriever.reindex_all(store, sessions=sessions, progress=progress)


@click.group()
def index() -> None:
    """The search index FlowPilot retrieves flows and past sessions from."""


@index.command()
@click.option("--flows-only", is_flag=True, help="Index the flows only, not the resolved sessions.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
def rebuild(flows_only: bool, quiet: bool) -> None:
    """Index every published flow and resolved session; only changed documents are written or re-embedded.

    With VOYAGE_API_KEY set, documents are embedded (RFBOT_EMBED_MODEL, RFBOT_EMBED_DIMS) for semantic search;
    without it the index is lexical only, and a later rebuild with a key adds the embeddings.
    """

    def say(line: str) -> None:
        if not quiet:
            click.echo(f"  {line}")

    mode, report = run_with_app(lambda app: reindex(app, sessions=not flows_only, progress=say))
    click.echo(f"Search index ({mode}): {report}.")
    if report.embed_failures:
        raise click.ClickException("Some documents could not be embedded; they are searchable by keyword only.")


@index.command()
@click.argument("query")
@click.option("--team", "team_name", default=None, help="Search as this team (default: public flows only).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["flow", "step", "session"]), help="Repeatable.")
@click.option("--limit", default=5, show_default=True)
@click.option("--match", is_flag=True, help="Flow matching at intake: only flows above the match threshold.")
def search(query: str, team_name: str | None, kinds: tuple[str, ...], limit: int, match: bool) -> None:
    """Try the retriever: the best hits for QUERY with their scores."""

    async def work(app: App) -> list[Hit]:
        team_id = ""
        if team_name:
            async with app.database.uow() as uow:
                team = await uow.teams.get_by_name(team_name)
            if team is None:
                raise click.ClickException(f"No team named {team_name!r}.")
            team_id = team.id
        retriever, _ = retriever_for(app.settings, app.database)
        if match:
            return await retriever.match_flows(team_id, query, limit)
        return await retriever.search(team_id, query, kinds or ("flow", "session"), limit)

    hits = run_with_app(work)
    if not hits:
        click.echo("No hits.")
    for hit in hits:
        click.echo(f"{hit.score:.3f}  {hit.kind:<8} {hit.ref:<40} {hit.title}")
        if hit.snippet:
            click.echo(f"         {hit.snippet}")

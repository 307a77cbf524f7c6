"""``rfbot index rebuild | status | search`` — the knowledge index over flows and resolved sessions."""

from __future__ import annotations

from collections.abc import Callable

import click

from bot.app import App
from bot.app.pilot import Knowledge
from bot.cli.common import run_with_app
from bot.engine.copilot import Hit
from bot.engine.knowledge import knowledge_of
from bot.pilot.retrieval import IndexReport


def knowledge(app: App) -> Knowledge:
    """The app's knowledge index (FlowPilot's retriever)."""
    found = knowledge_of(app.engine.pilot)
    if not isinstance(found, Knowledge):
        raise click.ClickException("This app has no search index.")
    return found


async def reindex(
    app: App, *, sessions: bool = True, progress: Callable[[str], None] | None = None
) -> tuple[str, IndexReport]:
    """Bring the index in line with the stored flows (and, with ``sessions``, rebuild it from every resolved
    session too); returns the mode and the report.

    Flows only (after ``rfbot flows import``): one index job per scope is queued, then run here. A job that cannot
    finish (Voyage down) stays queued, and the server's index worker retries it. A full rebuild also puts failed
    jobs back in the queue and runs whatever is due."""
    index = knowledge(app)
    total = IndexReport()
    if sessions:
        total.add(await index.retriever.reindex_all(index.store, progress=progress))
        await index.jobs.retry_failed(app.clock.now())
    else:
        scopes = [team_id for team_id, _ in await index.store.published_flows()]
        await index.queue_flows([None, *scopes], app.clock.now())  # the public scope even when it has no flows left
    reports, left = await index.worker.run_due()
    for report in reports:
        total.written += report.written
        total.embedded += report.embedded
        total.unchanged += report.unchanged
        total.removed += report.removed
    if left:
        total.embed_failures += left
        total.errors.append(f"{left} index job(s) left for the server's worker to retry")
    return index.mode, total


@click.group()
def index() -> None:
    """The search index FlowPilot and `search` retrieve flows and past sessions from."""


@index.command()
@click.option("--flows-only", is_flag=True, help="Index the flows only, not the resolved sessions.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
def rebuild(flows_only: bool, quiet: bool) -> None:
    """Index every published flow and resolved session; only changed documents are written or re-embedded.

    With VOYAGE_API_KEY set, documents are embedded (RFBOT_EMBED_MODEL, RFBOT_EMBED_DIMS) for semantic search;
    without it the index is lexical only, and a later rebuild with a key adds the embeddings. Index jobs that had
    failed are retried too.
    """

    def say(line: str) -> None:
        if not quiet:
            click.echo(f"  {line}")

    mode, report = run_with_app(lambda app: reindex(app, sessions=not flows_only, progress=say))
    click.echo(f"Search index ({mode}): {report}.")
    if report.embed_failures:
        raise click.ClickException("Some documents could not be embedded; they are searchable by keyword only.")


@index.command()
def status() -> None:
    """The index's mode and its queue: jobs waiting for the worker, and jobs that failed."""

    async def work(app: App) -> tuple[str, dict[str, int]]:
        index = knowledge(app)
        return index.mode, await index.jobs.counts()

    mode, counts = run_with_app(work)
    click.echo(f"Search index ({mode}): {counts.get('pending', 0)} job(s) queued, {counts.get('failed', 0)} failed.")


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
        retriever = knowledge(app).retriever
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

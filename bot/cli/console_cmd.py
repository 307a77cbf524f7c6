"""``rfbot console`` — the engine in a terminal."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from bot.app import App
from bot.cli.common import load_settings, run_with_app
from bot.engine import codec
from bot.engine.events import Actor
from bot.engine.replies import Reply
from bot.handlers.console.loop import ConsoleLoop, LineSource, ScriptLines, TerminalLines, start_command
from bot.handlers.console.sender import ConsoleSender
from bot.handlers.console.translate import PLATFORM, Who, conversation_for
from bot.store import migrate

MAX_QUEUED_ROUNDS = 5


@click.command()
@click.option("--flow", default="", help="Start this flow right away (key or unique prefix).")
@click.option("--ticket", default="", help="Link this ticket number.")
@click.option("--team", default=None, help="Team name (default: DEFAULT_TEAM).")
@click.option("--user", default=None, help="Your name (default: your login).")
@click.option(
    "--script",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Replay input lines from a file instead of the keyboard.",
)
def console(flow: str, ticket: str, team: str | None, user: str | None, script: Path | None) -> None:
    """Run a troubleshooting session in the terminal: numbers pick buttons, /commands, text adds notes."""
    settings = load_settings()
    if migrate.current(settings.database_url) is None:
        raise click.ClickException("The database has no schema yet. Run `rfbot db upgrade` first.")
    team_name = team or settings.default_team
    user_name = user or _login()
    out = Console(highlight=False, soft_wrap=False)

    script_lines = script.read_text(encoding="utf-8").splitlines() if script is not None else []

    async def work(app: App) -> int:
        team_id = await app.engine.ensure_team(team_name)
        who = Who(team_id, Actor(PLATFORM, user_name, user_name), conversation_for(team_name, user_name))
        sender = ConsoleSender(out, settings.notes_dir)
        lines: LineSource
        if script is not None:
            lines = ScriptLines(script_lines, lambda s: out.print(f"[dim]{escape(s)}[/dim]", highlight=False))
        else:
            lines = TerminalLines(lambda prompt: out.input(f"[bold cyan]{prompt}[/bold cyan]"))
            out.print("[dim]Numbers pick a button · /help lists commands · other text is a note · /quit[/dim]")
        loop = ConsoleLoop(
            app.engine,
            who,
            sender,
            lines,
            app.clock.now,
            stop_after_note=script is None,
            follow_up=lambda: run_queued(app, team_id, sender),
        )
        code = await loop.run(start_command(flow, ticket))
        await deliver_pushes(app, sender)
        return code

    raise SystemExit(run_with_app(work, settings))


async def run_queued(app: App, team_id: str, sender: ConsoleSender) -> list[Reply]:
    """Run the copilot work this console's events queued (the server's worker would otherwise), streaming nothing:
    the finished replies are returned for printing."""
    replies: list[Reply] = []
    for _ in range(MAX_QUEUED_ROUNDS):
        async with app.database.uow() as uow:
            items = [
                item
                for item in await uow.inbox.pending(500)
                if item.kind == PLATFORM and item.team_id == team_id and item.payload.get("type") == "PilotWork"
            ]
        if not items:
            break
        for item in items:
            replies += await app.engine.handle(codec.decode(item.payload), inbox_id=item.id)
    return replies


async def deliver_pushes(app: App, sender: ConsoleSender, rounds: int = 5) -> None:
    """Deliver what the session queued for the ticket now (the server's worker would otherwise), and show how
    each push went. Pushes that must wait for a retry stay queued (their status line says so) for `rfbot serve` or
    the next console run."""
    if app.outbox is None:
        return
    for _ in range(rounds):
        if not await app.outbox.drain_once():
            break
    async with app.database.uow() as uow:
        reports = [item for item in await uow.inbox.pending(500) if item.kind == PLATFORM]
    for item in reports:
        sender.send(await app.engine.handle(codec.decode(item.payload), inbox_id=item.id))


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "engineer"

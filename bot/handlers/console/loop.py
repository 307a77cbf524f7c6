"""The console conversation loop: read a line, hand the event to the engine, print the replies.

Interactive on a terminal, or driven by a script file (``--script``) for tests and demos. In a script, blank lines
and ``#`` comments are skipped, and a form field answered with ``-`` keeps its pre-filled value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Protocol

from rich.markup import escape

from bot.engine.events import FormSubmitted, InboundEvent
from bot.engine.replies import OpenForm, Reply, View
from bot.handlers.console.render import render_view
from bot.handlers.console.sender import ConsoleSender
from bot.handlers.console.translate import InputError, Who, translate

MAX_FORM_ROUNDS = 5


class Handler(Protocol):
    """What the loop needs from the engine."""

    async def handle(self, event: InboundEvent) -> list[Reply]:
        """Handle one event."""
        ...


class LineSource(Protocol):
    """Where input lines come from."""

    async def read(self, prompt: str) -> str | None:
        """The next line, or None at the end."""
        ...


class ScriptLines:
    """Lines from a script file, echoed as if typed."""

    def __init__(self, lines: list[str], echo: Callable[[str], None]) -> None:
        self._lines: Iterator[str] = (ln.rstrip("\n") for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))
        self._echo = echo

    async def read(self, prompt: str) -> str | None:
        line = next(self._lines, None)
        if line is not None:
            self._echo(f"{prompt}{line}")
        return line


class TerminalLines:
    """Lines typed at the terminal."""

    def __init__(self, ask: Callable[[str], str]) -> None:
        self._ask = ask

    async def read(self, prompt: str) -> str | None:
        try:
            return await asyncio.to_thread(self._ask, prompt)
        except (EOFError, KeyboardInterrupt):
            return None


class ConsoleLoop:
    """Runs one console conversation until the session closes, the input ends, or ``/quit``."""

    def __init__(
        self,
        engine: Handler,
        who: Who,
        sender: ConsoleSender,
        lines: LineSource,
        now: Callable[[], datetime],
        *,
        stop_after_note: bool = True,
        follow_up: Callable[[], Awaitable[list[Reply]]] | None = None,
    ) -> None:
        self.engine = engine
        self.follow_up = follow_up
        self.stop_after_note = stop_after_note
        self.who = who
        self.sender = sender
        self.lines = lines
        self.now = now
        self.seq = 0

    async def run(self, first: str = "") -> int:
        """Loop; returns a process exit code."""
        if first:
            await self._submit(first)
        while self.sender.final_note is None or not self.stop_after_note:
            line = await self.lines.read("> ")
            if line is None:
                if self.sender.final_note is None:
                    self.sender.console.print("[dim]Input ended; the session stays open — /status picks it up.[/dim]")
                return 0
            if line.strip().lower() in ("/quit", "/exit", "/q"):
                self.sender.console.print("[dim]Bye. The session stays open; `/status` picks it up next time.[/dim]")
                return 0
            await self._submit(line)
        return 0

    async def _submit(self, line: str) -> None:
        self.seq += 1
        try:
            event = translate(line, self.sender.choices, self.who, self.now(), self.seq)
        except InputError as err:
            self.sender.console.print(f"[red]{escape(str(err))}[/red]")
            return
        if event is not None:
            await self._handle(event)

    async def _handle(self, event: InboundEvent, depth: int = 0) -> None:
        forms = self.sender.send(await self.engine.handle(event))
        if self.follow_up is not None:  # work the event queued (FlowPilot's turn) runs now, in order
            forms += self.sender.send(await self.follow_up())
        for form in forms:
            if depth >= MAX_FORM_ROUNDS:
                return
            values = await self._fill(form)
            if values is None:
                return
            self.seq += 1
            submitted = FormSubmitted(
                team_id=self.who.team_id,
                actor=self.who.actor,
                conversation=self.who.conversation,
                at=self.now(),
                event_id=f"console:{self.seq}",
                form=form.form,
                session_id=form.session_id,
                state_version=form.state_version,
                values=values,
            )
            await self._handle(submitted, depth + 1)

    async def _fill(self, form: OpenForm) -> dict[str, str] | None:
        console = self.sender.console
        console.rule(f"[bold]{escape(form.title)}[/bold]")
        lines, _ = render_view(View(form.intro))
        self.sender._print(lines)
        values: dict[str, str] = {}
        for field in form.inputs:
            hint = f" [{field.initial}]" if field.initial else (" (optional)" if field.optional else "")
            answer = await self.lines.read(f"{field.label}{hint}: ")
            if answer is None:
                return None
            answer = answer.strip()
            values[field.name] = field.initial if answer in ("", "-") else answer.replace("\\n", "\n")
        console.rule()
        return values


def start_command(flow: str, ticket: str) -> str:
    """The first line a console run types for ``--flow``/``--ticket``."""
    if not flow:
        return "/list"
    return f"/start {flow}" + (f" #{ticket.lstrip('#')}" if ticket else "")

"""Print replies on a rich console and save attachments (notes, exports) under a folder."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax

from bot.engine.replies import Attachment, Context, DirectMessage, Ephemeral, OpenForm, Post, Reply, Update, View
from bot.handlers.console.render import Line, render_view
from bot.handlers.console.translate import Choice, choices_of

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ConsoleSender:
    """Renders replies to the terminal; remembers the choices it numbered."""

    def __init__(self, console: Console, save_dir: Path) -> None:
        self.console = console
        self.save_dir = save_dir
        self.choices: list[Choice] = []
        self.saved: list[Path] = []
        self.final_note: Attachment | None = None

    def send(self, replies: list[Reply]) -> list[OpenForm]:
        """Print a batch of replies; returns the forms the caller must prompt for."""
        forms: list[OpenForm] = []
        batch: list[Choice] = []
        number = 1
        updated = [r for r in replies if isinstance(r, Update) and _has_choices(r)]
        rest = [r for r in replies if not (isinstance(r, Update) and _has_choices(r))]
        for reply in rest + updated:  # an updated message's buttons (rate the step just answered) number last
            if isinstance(reply, OpenForm):
                forms.append(reply)
                continue
            if isinstance(reply, Attachment):
                self._save(reply)
                continue
            prefix = {Ephemeral: "(only you)", DirectMessage: "(direct)", Update: "(updated)"}.get(type(reply), "")
            if isinstance(reply, (Post, Update, Ephemeral, DirectMessage)):
                if isinstance(reply, Update) and not _has_choices(reply):
                    self._print_update(reply)
                    continue
                lines, number = render_view(reply.view, number, prefix, first_line_only=True)
                batch.extend(choices_of(reply.view))
                self._print(lines)
                self.console.print()
        if batch:
            self.choices = batch
        return forms

    def _print_update(self, reply: Update) -> None:
        """A terminal cannot edit what it printed: show the gist of an updated message in one line."""
        if reply.ref.endswith(":card"):
            return  # the card is re-shown by `status`; status changes are announced separately
        gist = [b for b in reply.view.blocks if isinstance(b, Context)]
        lines, _ = render_view(View(tuple(gist) or reply.view.blocks[:1]))
        self._print(lines)

    def _print(self, lines: list[Line]) -> None:
        for line in lines:
            if line.code:
                self.console.print(Syntax(line.code, _lexer(line.language), word_wrap=True, padding=(0, 2)))
            else:
                self.console.print(line.markup, highlight=False)

    def _save(self, attachment: Attachment) -> None:
        self.save_dir.mkdir(parents=True, exist_ok=True)
        path = self.save_dir / SAFE_NAME.sub("_", attachment.filename)
        counter = 1
        while path.exists():
            path = path.with_name(f"{path.stem.rsplit('~', 1)[0]}~{counter}{path.suffix}")
            counter += 1
        if attachment.data:  # a picture (a flow diagram): the file's path is printed below
            path.write_bytes(attachment.data)
        else:
            path.write_text(attachment.content, encoding="utf-8")
        self.saved.append(path)
        if attachment.final:
            self.final_note = attachment
            self.console.rule(attachment.title or "Note")
            self.console.print(Syntax(attachment.content, "markdown", word_wrap=True))
            self.console.rule()
        self.console.print(f"[green]Saved[/green] {path}", highlight=False)


def _has_choices(reply: Update) -> bool:
    return bool(choices_of(reply.view))


def _lexer(language: str) -> str:
    return {
        "powershell": "powershell",
        "ps": "powershell",
        "bash": "bash",
        "sh": "bash",
        "cmd": "batch",
        "markdown": "markdown",
    }.get(language.lower(), "text")

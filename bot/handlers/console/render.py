"""Neutral views -> console lines with rich markup (pure). Buttons and select options become numbered
choices; numbering continues across one batch of replies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.markup import escape

from bot.engine.replies import (
    Buttons,
    Code,
    Context,
    Divider,
    Fields,
    Header,
    Input,
    Select,
    Style,
    Text,
    View,
)

BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
TICKS = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True, slots=True)
class Line:
    """One printable piece: rich markup, or a code block (``code`` set) printed verbatim."""

    markup: str = ""
    code: str = ""
    language: str = ""


def inline(text: str) -> str:
    """Light chat Markdown (*bold*, _italic_, `code`) -> rich markup, everything else escaped."""
    out = escape(text)
    out = TICKS.sub(lambda m: f"[cyan]{m.group(1)}[/cyan]", out)
    out = BOLD.sub(lambda m: f"[bold]{m.group(1)}[/bold]", out)
    return ITALIC.sub(lambda m: f"[italic]{m.group(1)}[/italic]", out)


def render_view(
    view: View, first_number: int = 1, prefix: str = "", *, first_line_only: bool = False
) -> tuple[list[Line], int]:
    """Lines for a view; returns them and the next free choice number. ``prefix`` (e.g. "(only you)") leads
    every line, or just the first with ``first_line_only``."""
    lines: list[Line] = []
    number = first_number
    lead = f"[dim]{escape(prefix)}[/dim] " if prefix else ""
    for block in view.blocks:
        if first_line_only and lines:
            lead = ""
        if isinstance(block, Header):
            lines.append(Line(f"{lead}[bold underline]{escape(block.text)}[/bold underline]"))
        elif isinstance(block, Text):
            lines.extend(Line(f"{lead}{inline(part)}") for part in block.text.splitlines() or [""])
        elif isinstance(block, Context):
            lines.append(Line(f"{lead}[dim]{inline(block.text)}[/dim]"))
        elif isinstance(block, Fields):
            lines.extend(Line(f"{lead}[bold]{escape(k)}:[/bold] {inline(v)}") for k, v in block.items)
        elif isinstance(block, Code):
            if block.label:
                lines.append(Line(f"{lead}[dim]{escape(block.label)}[/dim]"))
            lines.append(Line(code=block.code, language=block.language))
        elif isinstance(block, Divider):
            lines.append(Line("[dim]" + "─" * 40 + "[/dim]"))
        elif isinstance(block, Buttons):
            parts = []
            for button in block.buttons:
                colour = {Style.PRIMARY: "green", Style.DANGER: "red"}.get(button.style, "yellow")
                parts.append(f"[{colour}]\\[{number}][/{colour}] {escape(button.label)}")
                number += 1
            lines.append(Line(lead + "   ".join(parts)))
        elif isinstance(block, Select):
            lines.append(Line(f"{lead}[dim]{escape(block.placeholder)}[/dim]"))
            for option in block.options:
                lines.append(Line(f"  [yellow]\\[{number}][/yellow] {escape(option.label)}"))
                number += 1
        elif isinstance(block, Input):
            lines.append(Line(f"{lead}{escape(block.label)}: {escape(block.initial)}"))
    return lines, number

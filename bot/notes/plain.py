"""Plain-text rendering of ``NoteContent``: no markup, titles underlined, long lines wrapped at ``WIDTH``.

Meant for PSA note fields and e-mail, which show text as typed. Words are never broken, so a mask token or
a path stays on one line.
"""

from __future__ import annotations

import textwrap

from bot.notes.sections import Item, NoteContent, Section

WIDTH = 100
_INDENT = "  "


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
    ) or [first.rstrip()]


def _item(item: Item) -> list[str]:
    parts = [item.time] if item.time else []
    if item.target:
        parts.append(f"[{item.target}]")
    if item.label:
        parts.append(item.label)
    parts.append(" ".join(item.text.split()))
    text = " ".join(parts)
    if item.answer:
        text += f" — {' '.join(item.answer.split())}"
    if item.actor:
        text += f" ({item.actor})"
    lines = _wrap(text, "- ", _INDENT)
    for detail in item.details:
        lines += _wrap(detail, _INDENT * 2, _INDENT * 2)
    return lines


def _section(section: Section) -> list[str]:
    lines = [section.title, "-" * len(section.title)]
    if section.prose:
        for paragraph in section.prose.splitlines():
            lines += _wrap(paragraph, "", "") if paragraph.strip() else [""]
    elif section.items:
        for item in section.items:
            lines += _item(item)
    else:
        lines.append(section.empty)
    return [*lines, ""]


def render_plain(note: NoteContent) -> str:
    """The note as plain text: the header line, then each section under an underlined title."""
    lines = [note.header.line(), ""]
    for section in note.sections:
        lines += _section(section)
    return "\n".join(lines).rstrip() + "\n"

"""Markdown rendering of ``NoteContent``: GitHub/CommonMark flavoured, user text escaped where it would break
structure (headings, lists, quotes, tables, code spans, emphasis, raw HTML)."""

from __future__ import annotations

import re

from bot.notes.sections import Item, NoteContent, Section

_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")  # a backslash that would escape the next character
_INLINE = re.compile(r"[`*|<~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # "api_key" keeps its underscore
# a block marker at the start of a line: heading, quote, bullet, setext/rule line, ordered-list number
_LINE_START = re.compile(
    r"(?m)^([ \t]*)(#{1,6}(?=[ \t]|$)|>|[-+](?=[ \t]|$)|[-=](?=[-= \t]*$)|\d{1,9}(?=[.)](?:[ \t]|$)))"
)


def _neutralise(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker[0].isdigit():  # "1. item" -> "1\. item"
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def escape(text: str) -> str:
    """Neutralise Markdown syntax in user text; mask tokens such as ``[REDACTED:api_key]`` stay intact."""
    text = _BACKSLASH.sub(r"\\\\", text)
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(_neutralise, text)


def inline(text: str) -> str:
    """Escaped user text on one line (line breaks would end the list item or the bold span)."""
    return escape(" ".join(text.split()))


def _item(item: Item) -> list[str]:
    parts = []
    if item.time:
        parts.append(f"`{item.time}`")
    if item.target:
        parts.append(f"**[{inline(item.target)}]**")
    if item.label:
        parts.append(item.label)
    parts.append(inline(item.text))
    line = "- " + " ".join(parts)
    if item.answer:
        line += f" — **{inline(item.answer)}**"
    if item.actor:
        line += f" _({inline(item.actor)})_"
    return [line] + [f"  - {inline(detail)}" for detail in item.details]


def _section(section: Section) -> list[str]:
    lines = [f"### {section.title}", ""]
    if section.prose:
        lines += [escape(line) for line in section.prose.splitlines()]
    elif section.items:
        for item in section.items:
            lines += _item(item)
    else:
        lines.append(f"_{section.empty}_")
    return [*lines, ""]


def render_markdown(note: NoteContent) -> str:
    """The note as Markdown: a bold header line, then ``###`` sections with bullet lists."""
    header = note.header
    lines = [" | ".join([f"**{inline(header.flow)}**", *(inline(f) for f in header.fields())]), ""]
    for section in note.sections:
        lines += _section(section)
    return "\n".join(lines).rstrip() + "\n"

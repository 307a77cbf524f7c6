"""Render a ``SessionDocument`` as Markdown, plain text or HTML, redacted by default.

Redaction runs on the final text of each format (for HTML, on each piece of user text before escaping, so masks
and markup never interfere). A failure of redaction withholds the note rather than sending it unmasked.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field

from bot.notes import texts
from bot.notes.document import SessionDocument
from bot.notes.redact import redact
from bot.notes.sections import Item, Section, header_line, sections

FORMATS = ("md", "txt", "html")
_SLUG = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True, slots=True)
class RenderedNote:
    """A rendered note and what redaction masked in it."""

    body: str
    format: str
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def filename_ext(self) -> str:
        """File extension for this format."""
        return self.format


def _md_escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("`", "\\`").replace("|", "\\|")
    return re.sub(r"(?m)^(\s*)([#>*+-]|\d+\.)(\s)", r"\1\\\2\3", text)


def _item_md(item: Item) -> str:
    lead = f"`{item.time}` " if item.time else ""
    target = f"[{_md_escape(item.target)}] " if item.target else ""
    line = f"- {lead}{target}{_md_escape(item.text)}"
    if item.answer:
        line += f" — **{_md_escape(item.answer)}**"
    if item.detail:
        line += "\n  " + _md_escape(item.detail).replace("\n", "\n  ")
    return line


def _markdown(doc: SessionDocument, parts: list[Section]) -> str:
    lines = [f"**{_md_escape(header_line(doc))}**", ""]
    for section in parts:
        lines.append(f"### {section.title}")
        if section.prose:
            lines.append(_md_escape(section.prose))
        elif section.items:
            lines.extend(_item_md(i) for i in section.items)
        else:
            lines.append(f"_{section.empty}_")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _item_txt(item: Item) -> str:
    lead = f"{item.time}  " if item.time else ""
    target = f"[{item.target}] " if item.target else ""
    text = f"{lead}{target}{item.text}" + (f" -> {item.answer}" if item.answer else "")
    out = textwrap.fill(text, 100, initial_indent="* ", subsequent_indent="  ")
    if item.detail:
        out += "\n" + textwrap.indent(item.detail, "    ")
    return out


def _plain(doc: SessionDocument, parts: list[Section]) -> str:
    lines = [header_line(doc), ""]
    for section in parts:
        lines += [section.title, "-" * len(section.title)]
        if section.prose:
            lines.append(textwrap.fill(section.prose, 100))
        elif section.items:
            lines.extend(_item_txt(i) for i in section.items)
        else:
            lines.append(section.empty)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


class _Html:
    """Builds HTML, redacting and escaping every piece of user text."""

    def __init__(self, redaction: bool) -> None:
        self.redaction = redaction
        self.counts: dict[str, int] = {}

    def t(self, text: str) -> str:
        if self.redaction:
            result = redact(text)
            for kind, n in result.counts.items():
                self.counts[kind] = self.counts.get(kind, 0) + n
            text = result.text
        return html.escape(text, quote=True)

    def item(self, item: Item) -> str:
        time = f"<time>{self.t(item.time)}</time> " if item.time else ""
        target = f'<span class="rf-target">[{self.t(item.target)}]</span> ' if item.target else ""
        answer = f" — <strong>{self.t(item.answer)}</strong>" if item.answer else ""
        detail = f'<div class="rf-detail">{self.t(item.detail)}</div>' if item.detail else ""
        return f"<li>{time}{target}{self.t(item.text)}{answer}{detail}</li>"

    def render(self, doc: SessionDocument, parts: list[Section]) -> str:
        out = ['<article class="rf-note">', f'<p class="rf-header"><strong>{self.t(header_line(doc))}</strong></p>']
        for section in parts:
            out.append(f"<section><h3>{html.escape(section.title)}</h3>")
            if section.prose:
                out.append(f"<p>{self.t(section.prose)}</p>")
            elif section.items:
                out.append("<ul>" + "".join(self.item(i) for i in section.items) + "</ul>")
            else:
                out.append(f"<p><em>{html.escape(section.empty)}</em></p>")
            out.append("</section>")
        out.append("</article>")
        return "\n".join(out) + "\n"


def render(doc: SessionDocument, fmt: str, *, timestamps: bool = True, redaction: bool = True) -> RenderedNote:
    """Render the session documentation in ``fmt`` (``md``, ``txt`` or ``html``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown note format {fmt!r}; use one of {', '.join(FORMATS)}")
    parts = sections(doc, timestamps)
    if fmt == "html":
        builder = _Html(redaction)
        return RenderedNote(builder.render(doc, parts), fmt, builder.counts)
    body = _markdown(doc, parts) if fmt == "md" else _plain(doc, parts)
    if not redaction:
        return RenderedNote(body, fmt, {})
    result = redact(body)
    return RenderedNote(result.text, fmt, result.counts)


def default_filename(doc: SessionDocument, fmt: str) -> str:
    """E.g. ``rf-note-12345-2026-11-25.md`` (the flow key stands in when no ticket is linked)."""
    ident = doc.ticket or _SLUG.sub("-", (doc.flow_key or doc.flow_name).lower()).strip("-") or "session"
    return f"rf-note-{ident}-{doc.started_at:%Y-%m-%d}.{fmt}"


__all__ = ["FORMATS", "RenderedNote", "default_filename", "render", "texts"]

"""HTML rendering of ``NoteContent``: one self-contained ``<article class="rf-note">`` fragment.

Every piece of text, ours or the user's, goes through ``html.escape``; the only markup is the fixed tags
written here. No scripts, no inline event handlers, no style attributes, no links.
"""

from __future__ import annotations

import html

from bot.notes.sections import Item, NoteContent, Section


def esc(text: str) -> str:
    """Escaped text with line breaks kept as ``<br>``."""
    return "<br>".join(html.escape(line, quote=True) for line in text.splitlines())


def _item(item: Item) -> str:
    parts = []
    if item.time:
        parts.append(f'<time datetime="{html.escape(item.stamp, quote=True)}">{esc(item.time)}</time>')
    if item.target:
        parts.append(f'<span class="rf-target">[{esc(item.target)}]</span>')
    if item.label:
        parts.append(f'<span class="rf-label">{esc(item.label)}</span>')
    parts.append(esc(item.text))
    body = " ".join(parts)
    if item.answer:
        body += f" — <strong>{esc(item.answer)}</strong>"
    if item.actor:
        body += f' <span class="rf-actor">({esc(item.actor)})</span>'
    if item.details:
        body += '<ul class="rf-detail">' + "".join(f"<li>{esc(d)}</li>" for d in item.details) + "</ul>"
    kind = f' class="rf-entry-{html.escape(item.kind, quote=True)}"' if item.kind else ""
    return f"<li{kind}>{body}</li>"


def _section(section: Section) -> list[str]:
    out = [f'<section class="rf-{section.key}">', f"<h3>{esc(section.title)}</h3>"]
    if section.prose:
        out.append(f"<p>{esc(section.prose)}</p>")
    elif section.items:
        out += ["<ul>", *(_item(item) for item in section.items), "</ul>"]
    else:
        out.append(f'<p class="rf-empty">{esc(section.empty)}</p>')
    return [*out, "</section>"]


def render_html(note: NoteContent) -> str:
    """The note as an HTML fragment: header paragraph, then one ``<section>`` per part."""
    header = note.header
    fields = " | ".join(esc(field) for field in header.fields())
    out = ['<article class="rf-note">', f'<p class="rf-header"><strong>{esc(header.flow)}</strong> | {fields}</p>']
    for section in note.sections:
        out += _section(section)
    out.append("</article>")
    return "\n".join(out) + "\n"

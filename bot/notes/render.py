"""Render a ``SessionDocument`` as Markdown, plain text or HTML — redacted unless the caller turns it off.

Redaction happens twice when on: on each piece of user text before it is escaped or wrapped (so neither can
hide a secret), and again on the final Markdown or plain-text body (so nothing assembled from several pieces
slips through). HTML gets only the first pass: a pass over markup could match inside tags, and every piece of
text in it has already been redacted. A failure of redaction raises ``RedactionFailed`` — no note is better
than an unmasked one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.notes.document import SessionDocument
from bot.notes.html import render_html
from bot.notes.markdown import render_markdown
from bot.notes.plain import render_plain
from bot.notes.redact import Redactor, redact_or_blank, summarize
from bot.notes.sections import NoteContent, build, utc

_RENDERERS: dict[str, Callable[[NoteContent], str]] = {
    "md": render_markdown,
    "txt": render_plain,
    "html": render_html,
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class RenderedNote:
    """A rendered note, its format (``md``/``txt``/``html``) and what redaction masked, by kind."""

    body: str
    format: str
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def filename_ext(self) -> str:
        """The file extension for this format, with its dot: ``.md``, ``.txt``, ``.html``."""
        return f".{self.format}"

    @property
    def redaction_summary(self) -> str:
        """E.g. ``1 IP address masked`` or ``nothing masked``."""
        return summarize(self.redactions)


def _check_format(fmt: str) -> None:
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown note format {fmt!r}; valid formats: {', '.join(FORMATS)}")


def render(doc: SessionDocument, fmt: str, *, timestamps: bool = True, redaction: bool = True) -> RenderedNote:
    """Render the session documentation of ``doc`` in ``fmt`` (one of ``FORMATS``).

    ``timestamps`` adds the UTC time (HH:MM) to each step; ``redaction`` masks secrets and reports counts.
    Raises ``ValueError`` for an unknown format and ``RedactionFailed`` if redaction fails.
    """
    _check_format(fmt)
    scrub = Redactor(enabled=redaction)
    body = _RENDERERS[fmt](build(doc, scrub, timestamps=timestamps))
    if redaction and fmt != "html":
        body = scrub(body)
    return RenderedNote(body, fmt, dict(scrub.counts))


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def default_filename(doc: SessionDocument, fmt: str) -> str:
    """E.g. ``rf-note-12345-2026-11-25.md``; the flow key (or name: a FlowPilot session's problem, redacted and cut
    to 60 characters) stands in when no ticket is linked."""
    _check_format(fmt)
    name = _slug(redact_or_blank(doc.flow_name).text)[:60].strip("-") if doc.flow_name else ""
    ident = _slug(doc.ticket) or _slug(doc.flow_key) or name or "session"
    return f"rf-note-{ident}-{utc(doc.started_at):%Y-%m-%d}.{fmt}"


__all__ = ["FORMATS", "RenderedNote", "default_filename", "render"]

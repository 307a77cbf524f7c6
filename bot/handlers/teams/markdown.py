"""Adaptive Card TextBlock markdown in Teams: the engine's light markdown translated, links and mentions that
people typed neutralised, and text cut to size (pure).

Teams renders a CommonMark subset in ``TextBlock.text`` and ``Fact.title``/``Fact.value``: ``**bold**``,
``_italic_``, ``- `` and ``1. `` lists and ``[title](url)`` links; headers, tables, images, preformatted text and
blockquotes are not supported, HTML is not rendered at all, and a single newline does not break a line outside a
list (``\\n\\n`` does). Source: learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format.

The engine's text mixes its own markup with what people typed (notes, problem descriptions, ticket summaries), so
the whole text is treated as untrusted, as the Slack adapter does with mrkdwn:

* **links with a hidden target** — ``[innocent](https://evil)``, reference links ``[x][ref]`` and their definitions
  ``[ref]: url`` — are broken by a WORD JOINER (U+2060, invisible) after every ``]``. Bare URLs stay: they show
  their own target.
* **mentions** — ``<at>…</at>`` is Teams mention markup (it only notifies with an ``msteams.entities`` entry, which
  we never add for text, but the tag would still render as a mention) — get a WORD JOINER after ``<``.
* HTML needs nothing (not rendered); emphasis and lists people type are cosmetic and kept, as on Slack.

Backslash escapes are not used: CommonMark honours them, but Teams' mobile renderers are not documented to, and a
stray ``\\`` would show. The date/time functions (``{{DATE(…)}}``) are not processed by Teams (same page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from bot.handlers.teams import texts

JOINER = "\u2060"
_MENTION_TAG = re.compile(r"<(/?at\b)", re.IGNORECASE)
_BOLD = re.compile(r"(?<![*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])")
_BULLET = re.compile(r"^(\s*)[•◦▪*-]\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-•◦▪*]|\d{1,3}[.)])\s+\S")
_ITALIC = re.compile(r"(?<![_\w])_(?![\s_])([^_\n]+?)(?<![\s_])_(?![_\w])")
_CODE = re.compile(r"`([^`\n]+)`")


def neutralise(text: str) -> str:
    """``text`` with hidden-target links and mention tags broken (invisibly); everything else unchanged."""
    return _MENTION_TAG.sub(lambda m: f"<{JOINER}{m.group(1)}", text.replace("]", "]" + JOINER))


def plain(text: str) -> str:
    """The engine's light markdown without its markers (``*bold*``, ``_italic_``, `` `code` `` -> their words), for
    places Teams shows as plain text: a notification's summary."""
    return _CODE.sub(r"\1", _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text)))


def _line(line: str) -> str:
    line = _BOLD.sub(r"**\1**", line)
    return _BULLET.sub(r"\1- ", line)


def to_card_markdown(text: str) -> str:
    """The engine's light markdown (``*bold*``, ``_italic_``, ``•`` bullets, one line per line) as Teams card
    markdown, with ``neutralise`` applied: ``*bold*`` -> ``**bold**``, ``•``/``*``/``-`` bullets -> ``- `` list
    items, and line breaks kept (``\\n`` between list items, ``\\n\\n`` elsewhere; blank lines collapse)."""
    lines = [line.rstrip() for line in neutralise(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")]
    out = ""
    previous_is_item = False
    for line in lines:
        if not line.strip():
            previous_is_item = False
            continue
        is_item = bool(_LIST_ITEM.match(line))
        if out:
            out += "\n" if is_item and previous_is_item else "\n\n"
        out += _line(line)
        previous_is_item = is_item
    return out


def wire_len(text: str) -> int:
    """Bytes ``text`` takes inside a JSON string as the SDK sends it (``json.dumps``: ASCII-escaped, so most non-ASCII
    characters cost 6 bytes and emoji 12)."""
    return len(json.dumps(text)) - 2


def _prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """The length of the longest prefix of ``text`` within ``limit`` (at least one character, to make progress)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def truncate(text: str, limit: int, marker: str = texts.ELLIPSIS, measure: Callable[[str], int] = len) -> str:
    """``text`` cut to at most ``limit`` (characters, or what ``measure`` counts), ending with ``marker`` when cut."""
    if measure(text) <= limit:
        return text
    room = limit - measure(marker)
    return (text[: _prefix(text, room, measure)] if room > 0 else "") + marker


def split_lines(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of ``text`` of at most ``limit`` (characters, or what ``measure`` counts), cut at line boundaries (a
    longer line is cut hard)."""
    parts: list[str] = []
    current, current_size = "", 0
    newline = measure("\n")
    for line in text.split("\n"):
        size = measure(line)
        while size > limit:
            if current:
                parts.append(current)
                current, current_size = "", 0
            cut = _prefix(line, limit, measure)
            parts.append(line[:cut])
            line = line[cut:]
            size = measure(line)
        if current and current_size + newline + size > limit:
            parts.append(current)
            current, current_size = line, size
        elif current:
            current, current_size = f"{current}\n{line}", current_size + newline + size
        else:
            current, current_size = line, size
    parts.append(current)
    return parts

"""Slack mrkdwn text: escaping of what people typed, and cutting text to Slack's limits (pure)."""

from __future__ import annotations

from bot.handlers.slack import texts


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters (and nothing else)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_within(text: str, limit: int) -> str:
    """``text`` mrkdwn-escaped in at most ``limit`` characters; when cut, it ends with an ellipsis and never inside
    an ``&amp;``/``&lt;``/``&gt;`` entity."""
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    room, size = max(limit - len(texts.ELLIPSIS), 0), 0
    pieces: list[str] = []
    for char in text:
        piece = escape_mrkdwn(char)
        if size + len(piece) > room:
            break
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces) + texts.ELLIPSIS


def truncate(text: str, limit: int, marker: str = texts.ELLIPSIS) -> str:
    """``text`` cut to at most ``limit`` characters, ending with ``marker`` when cut."""
    return text if len(text) <= limit else text[: max(limit - len(marker), 0)] + marker


def split_lines(text: str, limit: int) -> list[str]:
    """Pieces of ``text`` of at most ``limit`` characters, cut at line boundaries (a longer line is cut hard)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if current and len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    parts.append(current)
    return parts

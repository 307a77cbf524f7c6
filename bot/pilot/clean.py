"""Keep the engineer's view clean: strip leaked protocol markers and raw JSON from model prose.

Older prompts asked for markers after the prose (``QUESTIONS: [...]``, ``SUGGEST_FIX: {...}``); a model may still
write them, or echo its tool input as JSON. ``clean_message`` removes both (a marker with the JSON after it, JSON
objects anywhere outside code blocks, fenced JSON blocks) and keeps ordinary code blocks such as scripts.
``stream_preview`` is the cheap, conservative version for a reply that is still streaming.
"""

from __future__ import annotations

import json
import re

MARKERS = ("QUESTIONS", "ACTIONS", "PROMOTE", "SUGGEST_FIX", "FIX_OUTCOME", "TRIAGE_UPDATE", "FORK")
_MARKER = re.compile(r"(?:\*\*|__)?\b(?:" + "|".join(MARKERS) + r")\b(?:\*\*|__)?\s*:(?:\*\*|__)?[ \t]*")
_FENCE = re.compile(r"```([^\n`]*)\n(.*?)(?:```|\Z)", re.DOTALL)
_JSON_START = re.compile(r"[\[{]\s*[\"{\[]|\{\s*\}")
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_DECODER = json.JSONDecoder()
_JSON_LANGUAGES = ("json", "jsonc", "json5")


def _json_end(text: str, start: int) -> int | None:
    """Where the JSON value starting at ``start`` ends, or None when there is no complete value there."""
    try:
        _, end = _DECODER.raw_decode(text, start)
    except ValueError:
        return None
    return end


def _strip_markers(text: str) -> str:
    out: list[str] = []
    done = 0
    for match in _MARKER.finditer(text):
        if match.start() < done:
            continue
        out.append(text[done : match.start()])
        payload = len(text) - len(text[match.end() :].lstrip())
        end = _json_end(text, payload) if payload < len(text) and text[payload] in "[{" else None
        if end is None:  # no JSON payload: drop the rest of the line
            newline = text.find("\n", match.end())
            end = len(text) if newline < 0 else newline
        done = end
    out.append(text[done:])
    return "".join(out)


def _strip_json(text: str) -> str:
    out: list[str] = []
    done = position = 0
    while (match := _JSON_START.search(text, position)) is not None:
        end = _json_end(text, match.start())
        if end is None:
            position = match.start() + 1
            continue
        out.append(text[done : match.start()])
        if match.start() > 0 and text[match.start() - 1] == " " and text[end : end + 1] == " ":
            end += 1  # "see {...} here" -> "see here"
        done = position = end
    out.append(text[done:])
    return "".join(out)


def _is_json_fence(language: str, body: str) -> bool:
    if language.strip().lower() in _JSON_LANGUAGES:
        return True
    stripped = body.strip()
    return bool(stripped) and stripped[0] in "[{" and _json_end(stripped, 0) == len(stripped)


def _prose(text: str) -> str:
    return _strip_json(_strip_markers(text))


def clean_message(text: str) -> str:
    """``text`` without markers, their payloads or raw JSON; code blocks other than JSON are kept as written."""
    pieces: list[str] = []
    done = 0
    for fence in _FENCE.finditer(text):
        pieces.append(_prose(text[done : fence.start()]))
        if not _is_json_fence(fence.group(1), fence.group(2)) and fence.group(2).strip():
            pieces.append(fence.group(0))
        done = fence.end()
    pieces.append(_prose(text[done:]))
    joined = "\n".join(line.rstrip() for line in "".join(pieces).splitlines())
    return _BLANKS.sub("\n\n", joined).strip()


def _partial_marker(line: str) -> bool:
    word = line.strip().lstrip("*_").rstrip(":")
    return bool(word) and word.isupper() and any(m.startswith(word) for m in MARKERS)


def _held_back_fence(language: str, body: str, closed: bool) -> bool:
    """A code block that is or may become JSON: its language says so, or its body starts like JSON."""
    lang = language.strip().lower()
    if lang in _JSON_LANGUAGES or body.lstrip()[:1] in ("[", "{"):
        return True
    return not closed and not lang and not body.strip()


def stream_preview(text: str) -> str:
    """The visible part of a reply that is still streaming.

    Everything from the first marker, unfinished JSON value or JSON code block on is held back, and so is a last
    line that could become a marker. Code blocks such as scripts stream as they come.
    """
    cut = len(text)
    if (marker := _MARKER.search(text)) is not None:
        cut = marker.start()
    code: list[tuple[int, int]] = []
    for fence in _FENCE.finditer(text, 0, cut):
        if _held_back_fence(fence.group(1), fence.group(2), fence.group(0).endswith("```")):
            cut = fence.start()
            break
        code.append((fence.start(), fence.end()))
    position = 0
    while (opening := _JSON_START.search(text, position, cut)) is not None:
        start = opening.start()
        position = start + 1
        if any(a <= start < b for a, b in code):
            continue
        if _json_end(text, start) is None:
            cut = start
            break
    head = text[:cut]
    last = head.rsplit("\n", 1)[-1]
    if _partial_marker(last):
        head = head[: len(head) - len(last)]
    return clean_message(head)

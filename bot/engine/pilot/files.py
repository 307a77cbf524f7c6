"""Files shared with FlowPilot: which ones reach the model, within which caps, and fetching them for a turn.

The rules live here; a platform's ``FileFetcher`` only downloads. A file is screened twice. When it is shared, by
its declared type and size: the engineer is told at once what will not be passed. When a turn fetches it, by its
real bytes: a failed download, a file bigger than declared or content that is not what its name says skips that
file (the engineer is told, the log says why), never the turn. Text files are decoded and redacted with
``bot.notes.redact`` here, so no copilot ever sees them unmasked.

Caps follow the Messages API: an image is sent as base64 and must stay under 5 MB in that form, so 3.75 MB of
bytes; a PDF may have at most 100 pages; a whole request must stay under 32 MB, so one turn carries at most
``TURN_MAX_FILES`` files and ``TURN_MAX_BYTES`` (20 MB, about 27 MB as base64) in all.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from bot.engine.copilot import Attachment
from bot.engine.events import CommandIssued, Event, FileRef, MessageReceived
from bot.engine.file_fetch import FileFetcher, FileTooLarge, FileUnavailable
from bot.engine.model import TimelineEntry, TimelineKind
from bot.engine.pilot import texts as t
from bot.notes.redact import redact_or_blank

log = logging.getLogger(__name__)


class FileKind(StrEnum):
    """What FlowPilot can read: images and PDFs as they are, text files as (redacted) text."""

    IMAGE = "image"
    PDF = "pdf"
    TEXT = "text"


IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PDF = "application/pdf"
TEXT = "text/plain"  # every text file reaches the model as plain text
TEXT_TYPES = frozenset(
    {
        "text/plain", "text/csv", "text/markdown", "text/xml", "text/x-log", "text/yaml", "text/x-yaml",
        "text/x-sh", "text/x-shellscript", "text/x-powershell", "application/json", "application/xml",
        "application/yaml", "application/x-yaml", "application/x-sh", "application/x-powershell",
    }
)  # fmt: skip
EXTENSIONS = {
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".gif", ".webp"), FileKind.IMAGE),
    ".pdf": FileKind.PDF,
    **dict.fromkeys(
        (".log", ".txt", ".csv", ".json", ".xml", ".ps1", ".psm1", ".sh", ".yaml", ".yml", ".md", ".ini", ".cfg"),
        FileKind.TEXT,
    ),
}
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
MB = 1024 * 1024
MAX_BYTES = {FileKind.IMAGE: 5 * MB * 3 // 4, FileKind.PDF: 10 * MB, FileKind.TEXT: 200 * 1024}
TURN_MAX_FILES = 5
TURN_MAX_BYTES = 20 * MB
PDF_MAX_PAGES = 100
KIND_WORDS = {FileKind.IMAGE: "images", FileKind.PDF: "PDFs", FileKind.TEXT: "text files"}
CONTENT_WORDS = {FileKind.IMAGE: "a PNG, JPEG, GIF or WebP image", FileKind.PDF: "a PDF", FileKind.TEXT: "text"}
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True, slots=True)
class Gathered:
    """What a turn passes to the model, and a sentence for each file it could not pass."""

    attachments: tuple[Attachment, ...] = ()
    notices: tuple[str, ...] = ()


def files_of(event: Event) -> tuple[FileRef, ...]:
    """The files shared with a message or a command (none for other events)."""
    return event.files if isinstance(event, (MessageReceived, CommandIssued)) else ()


def media_type(ref: FileRef) -> str:
    """The declared media type without parameters, lower case."""
    return ref.mime_type.split(";", 1)[0].strip().lower()


def kind_of(ref: FileRef) -> FileKind | None:
    """What FlowPilot reads the file as, from its declared type (its name's extension when the type says nothing);
    None when it cannot read it."""
    mime, by_name = media_type(ref), EXTENSIONS.get(PurePosixPath(ref.name.lower()).suffix)
    if mime in IMAGE_TYPES or (mime.startswith("image/") and by_name is FileKind.IMAGE):  # image/jpg, image/x-png
        return FileKind.IMAGE  # the bytes decide the media type sent (``sniff_image``)
    if mime == PDF:
        return FileKind.PDF
    if mime in TEXT_TYPES or (mime.startswith("text/") and mime != "text/html"):
        return FileKind.TEXT
    if mime in GENERIC_TYPES or (by_name is FileKind.TEXT and mime.startswith("application/")):
        return by_name  # Slack calls some scripts application/octet-stream or application/x-…
    return None


def display_name(ref: FileRef) -> str:
    """The file's name as shown in the thread and the notes (control characters removed, at most 80 characters)."""
    name = _CONTROL.sub(" ", ref.name).strip()[:80]
    return name or "A file"


def size_text(size: int) -> str:
    """``size`` bytes for people: ``850 KB``, ``6.2 MB``."""
    return f"{size / MB:.1f} MB" if size >= MB else f"{max(1, round(size / 1024))} KB"


def shared_line(text: str, refs: Sequence[FileRef]) -> str:
    """What the timeline keeps for a message with files: its text, then ``Shared a.png, b.log.``."""
    if not refs:
        return text
    shared = t.FILE_SHARED.format(names=", ".join(display_name(r) for r in refs))
    return f"{text}\n{shared}" if text else shared


def files_detail(refs: Sequence[FileRef]) -> dict[str, Any]:
    """The timeline detail that keeps a message's file references (for the next turn to fetch)."""
    return {"files": [r.to_dict() for r in refs]} if refs else {}


def screen(refs: Iterable[FileRef]) -> tuple[list[FileRef], list[str]]:
    """The files FlowPilot takes by their declared type and size, and a sentence for each one it does not."""
    taken: list[FileRef] = []
    notices: list[str] = []
    for ref in refs:
        kind = kind_of(ref)
        if kind is None:
            notices.append(t.FILE_TYPE.format(name=display_name(ref)))
        elif ref.size > MAX_BYTES[kind]:
            size, limit = size_text(ref.size), size_text(MAX_BYTES[kind])
            notices.append(t.FILE_TOO_BIG.format(name=display_name(ref), size=size, limit=limit, kind=KIND_WORDS[kind]))
        else:
            taken.append(ref)
    return taken, notices


def refs_since_reply(timeline: Sequence[TimelineEntry]) -> list[FileRef]:
    """The files shared in the engineer's messages since FlowPilot's latest reply, oldest first."""
    found: list[FileRef] = []
    for entry in reversed(timeline):
        if entry.kind is TimelineKind.PILOT_REPLIED:
            break
        if entry.kind in (TimelineKind.PILOT_ASKED, TimelineKind.NOTE):
            files = entry.detail.get("files")
            refs = [FileRef.from_dict(f) for f in files if isinstance(f, dict)] if isinstance(files, list) else []
            found[:0] = refs
    return found


async def gather(fetchers: Mapping[str, FileFetcher], team_id: str, refs: Sequence[FileRef]) -> Gathered:
    """Fetch and prepare the files of one turn (those ``screen`` takes: the others were refused when shared)."""
    taken, _ = screen(refs)
    attachments: list[Attachment] = []
    notices: list[str] = []
    total = 0
    for ref in taken:
        name, kind = display_name(ref), kind_of(ref) or FileKind.TEXT
        if len(attachments) >= TURN_MAX_FILES:
            notices.append(t.FILE_TOO_MANY.format(name=name, count=TURN_MAX_FILES))
            continue
        cap = min(MAX_BYTES[kind], TURN_MAX_BYTES - total)
        if ref.size > cap:
            notices.append(t.FILE_TURN_FULL.format(name=name, limit=size_text(TURN_MAX_BYTES)))
            continue
        if cap < MAX_BYTES[kind]:
            over = t.FILE_TURN_FULL.format(name=name, limit=size_text(TURN_MAX_BYTES))
        else:
            over = t.FILE_OVER_CAP.format(name=name, limit=size_text(cap), kind=KIND_WORDS[kind])
        data, problem = await _download(fetchers, team_id, ref, cap, over)
        if data is not None:
            attachment, problem = await prepare(ref, kind, data)
            if attachment is not None:
                attachments.append(attachment)
                total += len(data)
                continue
        notices.append(problem)
    return Gathered(tuple(attachments), tuple(notices))


async def _download(
    fetchers: Mapping[str, FileFetcher], team_id: str, ref: FileRef, cap: int, over: str
) -> tuple[bytes | None, str]:
    """The file's bytes, or None and the sentence that says why not (``over`` when it is bigger than ``cap``); a
    failure is logged, never raised."""
    name = display_name(ref)
    fetcher = fetchers.get(ref.platform)
    if fetcher is None:
        log.warning("no file fetcher for platform %r: %s not passed to the copilot", ref.platform, name)
        return None, t.FILE_UNAVAILABLE.format(name=name, why=f"files from {ref.platform or 'here'} cannot be read")
    try:
        return await fetcher.fetch(team_id, ref, cap), ""
    except FileTooLarge:
        log.info("shared file %s is over its %d-byte cap", name, cap)
        return None, over
    except FileUnavailable as err:
        log.warning("shared file %s not downloaded: %s", name, err)
        return None, t.FILE_UNAVAILABLE.format(name=name, why=str(err) or "no access")
    except Exception:  # a file is a help, never a blocker: the turn goes on without it
        log.exception("shared file %s: download failed", name)
        return None, t.FILE_UNAVAILABLE.format(name=name, why="an unexpected error")


async def prepare(ref: FileRef, kind: FileKind, data: bytes) -> tuple[Attachment | None, str]:
    """The attachment for a downloaded file (its real media type checked, text redacted), or the reason it is not
    passed."""
    name = display_name(ref)
    if kind is FileKind.IMAGE:
        sniffed = sniff_image(data)
        if sniffed is None:
            return None, t.FILE_NOT_ITS_TYPE.format(name=name, kind=CONTENT_WORDS[kind])
        return Attachment(ref.name, sniffed, data), ""
    if kind is FileKind.PDF:
        if not data.startswith(b"%PDF-"):
            return None, t.FILE_NOT_ITS_TYPE.format(name=name, kind=CONTENT_WORDS[kind])
        if len(_PAGE.findall(data)) > PDF_MAX_PAGES:
            return None, t.FILE_PAGES.format(name=name, pages=PDF_MAX_PAGES)
        return Attachment(ref.name, PDF, data), ""
    text = decode_text(data)
    if text is None:
        return None, t.FILE_NO_TEXT.format(name=name)
    redaction = await asyncio.to_thread(redact_or_blank, text)  # ~1 ms per KB: off the event loop
    if redaction.failed:
        return None, t.FILE_WITHHELD.format(name=name)
    return Attachment(ref.name, TEXT, redaction.text.encode("utf-8")), ""


def sniff_image(data: bytes) -> str | None:
    """The image media type the bytes really have (the API refuses an image whose type is misdeclared)."""
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def decode_text(data: bytes) -> str | None:
    """Text from a file's bytes: UTF-8 or UTF-16 with a byte-order mark (PowerShell writes those), else UTF-8
    with bad bytes replaced; None for binary content."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8-sig", errors="replace")
    if "\x00" in text or text.count("\ufffd") > max(8, len(text) // 100):
        return None
    return text

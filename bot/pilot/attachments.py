"""Files shared in the thread as model content blocks: images and PDFs inline (base64), text files as plain-text
documents, anything else by name.

The engine chose the files and fetched them within the Messages API's limits (``bot.engine.pilot.files``: its caps
are used here too), checked each image's real media type and redacted every text file. Whatever still cannot be
sent is described in one line (its name redacted) so the model knows it exists.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from bot.engine.copilot import Attachment
from bot.engine.pilot.files import IMAGE_TYPES, MAX_BYTES, PDF, TEXT, TURN_MAX_FILES, FileKind
from bot.notes.redact import redact_or_blank

Json = dict[str, Any]
IMAGE_MAX_BYTES = MAX_BYTES[FileKind.IMAGE]  # its base64 form stays under the API's 5 MB per image
PDF_MAX_BYTES = MAX_BYTES[FileKind.PDF]
TEXT_MAX_BYTES = 2 * MAX_BYTES[FileKind.TEXT]  # room for masks longer than what they replaced
ATTACHMENTS_MAX = TURN_MAX_FILES


def _note(attachment: Attachment, why: str) -> Json:
    name = redact_or_blank(attachment.name).text
    return {"type": "text", "text": f"[Attached file {name!r} ({attachment.mime_type or 'unknown type'}) {why}.]"}


def _title(attachment: Attachment) -> str:
    return redact_or_blank(attachment.name).text[:200] or "attachment"


def block(attachment: Attachment) -> Json:
    """One attachment as an ``image`` or ``document`` block, or a text line when it cannot be sent."""
    mime = attachment.mime_type.split(";", 1)[0].strip().lower()
    limit = {PDF: PDF_MAX_BYTES, TEXT: TEXT_MAX_BYTES}.get(mime, IMAGE_MAX_BYTES if mime in IMAGE_TYPES else 0)
    if not limit:
        return _note(attachment, "is not shown to you: unsupported type")
    if not attachment.data or len(attachment.data) > limit:
        return _note(attachment, "is not shown to you: empty or too large")
    if mime == TEXT:  # already redacted by the engine
        text = attachment.data.decode("utf-8", errors="replace")
        source: Json = {"type": "text", "media_type": TEXT, "data": text}
        return {"type": "document", "source": source, "title": _title(attachment)}
    source = {"type": "base64", "media_type": mime, "data": base64.b64encode(attachment.data).decode("ascii")}
    if mime == PDF:
        return {"type": "document", "source": source, "title": _title(attachment)}
    return {"type": "image", "source": source}


def blocks(attachments: Iterable[Attachment]) -> list[Json]:
    """Content blocks for the first ``ATTACHMENTS_MAX`` attachments (the rest are noted by count)."""
    items = list(attachments)
    result = [block(a) for a in items[:ATTACHMENTS_MAX]]
    if len(items) > ATTACHMENTS_MAX:
        result.append({"type": "text", "text": f"[{len(items) - ATTACHMENTS_MAX} more attachments not shown.]"})
    return result

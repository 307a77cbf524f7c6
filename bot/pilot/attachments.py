"""Files shared in the thread as model content blocks: images and PDFs inline (base64), anything else by name.

Only the media types the Messages API reads are sent, within its size limits; other files are described in one
line (their name redacted) so the model knows they exist.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from bot.engine.copilot import Attachment
from bot.notes.redact import redact_or_blank

Json = dict[str, Any]
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PDF = "application/pdf"
IMAGE_MAX_BYTES = 5 * 1024 * 1024
PDF_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_MAX = 5


def _note(attachment: Attachment, why: str) -> Json:
    name = redact_or_blank(attachment.name).text
    return {"type": "text", "text": f"[Attached file {name!r} ({attachment.mime_type or 'unknown type'}) {why}.]"}


def block(attachment: Attachment) -> Json:
    """One attachment as an ``image`` or ``document`` block, or a text line when it cannot be sent."""
    mime = attachment.mime_type.split(";", 1)[0].strip().lower()
    limit = IMAGE_MAX_BYTES if mime in IMAGE_TYPES else PDF_MAX_BYTES if mime == PDF else 0
    if not limit:
        return _note(attachment, "is not shown to you: unsupported type")
    if not attachment.data or len(attachment.data) > limit:
        return _note(attachment, "is not shown to you: empty or too large")
    source = {"type": "base64", "media_type": mime, "data": base64.b64encode(attachment.data).decode("ascii")}
    return {"type": "image" if mime in IMAGE_TYPES else "document", "source": source}


def blocks(attachments: Iterable[Attachment]) -> list[Json]:
    """Content blocks for the first ``ATTACHMENTS_MAX`` attachments (the rest are noted by count)."""
    items = list(attachments)
    result = [block(a) for a in items[:ATTACHMENTS_MAX]]
    if len(items) > ATTACHMENTS_MAX:
        result.append({"type": "text", "text": f"[{len(items) - ATTACHMENTS_MAX} more attachments not shown.]"})
    return result

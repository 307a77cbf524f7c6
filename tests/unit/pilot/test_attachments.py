"""Shared files as Messages API content blocks: images and PDFs as base64, text files as plain-text documents."""

from __future__ import annotations

import base64

from bot.engine.copilot import Attachment
from bot.engine.pilot import files
from bot.pilot import attachments

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_a_text_file_is_a_plain_text_document_titled_by_its_name() -> None:
    block = attachments.block(Attachment("vpn agent.log", "text/plain", "tunnel down ✓\n".encode()))
    assert block == {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "tunnel down ✓\n"},
        "title": "vpn agent.log",
    }


def test_images_and_pdfs_are_base64_and_a_pdf_has_a_title() -> None:
    image = attachments.block(Attachment("a.png", "image/png", PNG))
    assert image == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()},
    }
    pdf = attachments.block(Attachment("report for 10.1.2.3.pdf", "application/pdf", b"%PDF-1.7"))
    assert pdf["type"] == "document" and pdf["source"]["type"] == "base64" and "10.1.2.3" not in pdf["title"]


def test_the_limits_are_the_engines() -> None:
    assert attachments.ATTACHMENTS_MAX == files.TURN_MAX_FILES
    assert attachments.IMAGE_MAX_BYTES * 4 / 3 <= 5 * 1024 * 1024  # the API's limit applies to the base64 form
    too_big = Attachment("big.png", "image/png", PNG + b"\x00" * attachments.IMAGE_MAX_BYTES)
    assert "too large" in attachments.block(too_big)["text"]
    blocks = attachments.blocks([Attachment(f"{n}.png", "image/png", PNG) for n in range(7)])
    assert len(blocks) == 6 and blocks[-1]["text"] == "[2 more attachments not shown.]"

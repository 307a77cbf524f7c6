"""Documents the engine hands over (``Attachment``) as Teams messages (pure: no network).

* **A picture** (``data``: a flow's PNG diagram) becomes one card with an Adaptive Card ``Image`` (Stageview-
  expandable), its description below:

  1. the PNG itself as a ``data:image/png;base64,…`` URL when the whole message stays within ``MESSAGE_BYTES``
     (Teams counts UTF-16, so only small pictures fit: a few kilobytes). It needs no server and never expires;
  2. else the signed link to it (``download_url``, served by ``rfbot serve`` for ``DIAGRAM_TTL``) when the bot has a
     public address (``RFBOT_PUBLIC_URL``) that Teams' image proxy can fetch, with a line saying how long it shows;
  3. else a line saying how to see it (`rfbot flows diagram KEY` on the server, or a public address for the bot).

* **An on-demand export in a 1:1 chat** that carries its signed download link (`export FMT`, `flow export KEY`): a
  file-consent card (``file_cards``) -- Teams lets a bot put a file in a personal chat only through the person's
  OneDrive, once they allow it. Its answer is handled by ``uploads``; the document is not kept, the link's token
  renders it again then.
* **Anything else** (channels and group chats, where bots cannot upload; closing notes): a card with the document
  as code blocks, split over as many messages as the size limit needs (cut at line boundaries), an export's
  short-lived download link first.
"""

from __future__ import annotations

import base64
from typing import Any

from bot.engine.replies import Attachment, Block, Code, Context, Header, Text, View
from bot.engine.sharing.handover import download_token
from bot.engine.sharing.signing import DIAGRAM_TTL
from bot.handlers.teams import render_elements as el
from bot.handlers.teams import texts
from bot.handlers.teams.file_cards import consent_message
from bot.handlers.teams.render import ENVELOPE_BYTES, MESSAGE_BYTES, RenderedMessage, card, render_message, wire_size

PNG = "image/png"
DIAGRAM_HOURS = int(DIAGRAM_TTL.total_seconds() // 3600)


def _title(attachment: Attachment) -> str:
    return texts.ATTACHMENT_TITLE.format(title=attachment.title or texts.DOCUMENT, filename=attachment.filename)


def image(url: str, alt: str) -> dict[str, Any]:
    """An ``Image`` that fills the card's width and opens full size in Teams' Stageview when clicked."""
    return {"type": "Image", "url": url, "altText": alt[:300], "size": "Stretch", "msteams": {"allowExpand": True}}


def data_url(png: bytes) -> str:
    """The PNG as a ``data:`` URL (Adaptive Cards 1.2+ take them in ``Image.url``)."""
    return f"data:{PNG};base64,{base64.b64encode(png).decode('ascii')}"


def _picture_card(title: str, body: list[dict[str, Any]]) -> RenderedMessage:
    elements = [el.header(Header(title)), *body]
    return RenderedMessage(title, card(elements, title))


def fits(message: RenderedMessage) -> bool:
    """Whether the message stays within Teams' size budget (``render.MESSAGE_BYTES``, the SDK's envelope aside)."""
    return wire_size(message.activity()) <= MESSAGE_BYTES - ENVELOPE_BYTES


def render_picture(attachment: Attachment, *, links: bool) -> RenderedMessage:
    """The picture inline, else by its signed link (``links``: the bot has a public address), else explained."""
    title, alt = _title(attachment), attachment.content or attachment.filename
    caption = el.context(Context(alt))
    inline = _picture_card(title, [image(data_url(attachment.data), alt), caption])
    if fits(inline):
        return inline
    if links and attachment.download_url:
        note = el.context(Context(texts.PICTURE_LINK.format(hours=DIAGRAM_HOURS)))
        return _picture_card(title, [image(attachment.download_url, alt), caption, note])
    key = attachment.filename.removesuffix(".png").rpartition("-v")[0] or attachment.filename
    return _picture_card(title, [caption, *el.paragraphs(Text(texts.PICTURE_UNAVAILABLE.format(key=key)))])


def wants_consent(attachment: Attachment, *, personal: bool) -> bool:
    """An on-demand export asked for in a 1:1 chat, with a download token to render it again later."""
    return (
        personal
        and attachment.upload
        and not attachment.final
        and not attachment.data
        and bool(download_token(attachment.download_url))
        and bool(attachment.content)
    )


def render_attachment(attachment: Attachment, *, personal: bool, links: bool) -> list[RenderedMessage]:
    """The messages that deliver ``attachment`` in a Teams conversation (``personal``: a 1:1 chat)."""
    if attachment.data and attachment.mime_type == PNG:
        return [render_picture(attachment, links=links)]
    if wants_consent(attachment, personal=personal):
        size = len(attachment.content.encode("utf-8"))
        token = download_token(attachment.download_url)
        return [consent_message(attachment.filename, size, token, attachment.title or texts.DOCUMENT)]
    language = attachment.mime_type.split("/")[-1]
    link = attachment.download_url and not attachment.final and not attachment.data
    download: tuple[Block, ...] = (Text(texts.DOWNLOAD_LINK.format(url=attachment.download_url)),) if link else ()
    body: Block = Text(attachment.content) if attachment.data else Code(attachment.content, language)
    title = _title(attachment)
    return render_message(View((Header(title), *download, body), title))

"""Documents as Teams messages (pure): a diagram inline while it fits, else by its signed link when the bot has a
public address, else explained; an export in a 1:1 chat as a file-consent card; everything else as code cards."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from PIL import Image

from bot.engine.events import ConversationRef
from bot.engine.replies import Attachment
from bot.flows.diagram import PNG_SIGNATURE, render
from bot.handlers.teams import texts
from bot.handlers.teams.file_cards import CONSENT_TYPE, CONTEXT_KIND
from bot.handlers.teams.render import ENVELOPE_BYTES, MESSAGE_BYTES, wire_size
from bot.handlers.teams.render_document import render_attachment, wants_consent
from tests.unit.engine.conftest import VPN

HERE = ConversationRef("teams", "a:1chat")
LINK = "https://rf.example.com/share/diagram/eyJ0ZWFtIjoidCJ9.c2ln"
EXPORT_LINK = "https://rf.example.com/share/file/eyJ0ZWFtIjoidCJ9.c2ln"


def tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#dbeafe").save(out, "PNG")
    return out.getvalue()


def diagram(png: bytes, url: str = LINK) -> Attachment:
    alt = "Diagram of VPN test (v1): 7 steps."
    title = "Flow diagram"
    return Attachment(HERE, "vpn-test-v1.png", alt, "image/png", title, upload=True, download_url=url, data=png)


def elements(message: Any) -> list[dict[str, Any]]:
    return list(message.card["body"])


def images(message: Any) -> list[dict[str, Any]]:
    return [e for e in elements(message) if e.get("type") == "Image"]


def test_a_small_diagram_travels_inside_the_card_as_a_data_url() -> None:
    png = tiny_png()
    (message,) = render_attachment(diagram(png), personal=False, links=False)
    (image,) = images(message)
    assert image["url"] == "data:image/png;base64," + base64.b64encode(png).decode()
    assert image["altText"].startswith("Diagram of VPN test") and image["msteams"] == {"allowExpand": True}
    assert "Flow diagram — vpn-test-v1.png" in json.dumps(message.card, ensure_ascii=False)
    assert wire_size(message.activity()) <= MESSAGE_BYTES - ENVELOPE_BYTES


def test_a_large_diagram_goes_by_its_signed_link_when_the_bot_has_a_public_address() -> None:
    png, _ = render(VPN)
    assert png.startswith(PNG_SIGNATURE) and len(png) > MESSAGE_BYTES // 2  # far too big to inline
    (message,) = render_attachment(diagram(png), personal=True, links=True)
    (image,) = images(message)
    assert image["url"] == LINK
    assert texts.PICTURE_LINK.format(hours=8) in json.dumps(message.card, ensure_ascii=False)
    assert wire_size(message.activity()) <= MESSAGE_BYTES - ENVELOPE_BYTES


@pytest.mark.parametrize(("links", "url"), [(False, LINK), (True, "")])
def test_a_large_diagram_without_a_usable_link_says_how_to_see_it(links: bool, url: str) -> None:
    png, _ = render(VPN)
    (message,) = render_attachment(diagram(png, url), personal=False, links=links)
    assert not images(message)
    shown = json.dumps(message.card, ensure_ascii=False)
    assert "rfbot flows diagram vpn-test" in shown and "RFBOT_PUBLIC_URL" in shown and "Diagram of VPN test" in shown


def export(**fields: Any) -> Attachment:
    values: dict[str, Any] = {"title": "Export (md)", "upload": True, "download_url": EXPORT_LINK}
    return Attachment(HERE, "vpn-12345.md", "# Note\nJane fixed it.", "text/markdown", **(values | fields))


def test_an_export_asked_for_in_a_1_1_chat_becomes_a_file_consent_card() -> None:
    (message,) = render_attachment(export(), personal=True, links=False)
    wire = message.activity()
    (attachment,) = wire["attachments"]
    assert attachment["contentType"] == CONSENT_TYPE and attachment["name"] == "vpn-12345.md"
    content = attachment["content"]
    assert content["sizeInBytes"] == len(b"# Note\nJane fixed it.")
    context = {"rf": CONTEXT_KIND, "token": "eyJ0ZWFtIjoidCJ9.c2ln"}
    assert content["acceptContext"] == content["declineContext"] == context
    assert "vpn-12345.md" in content["description"] and "Jane" not in json.dumps(wire)  # the document is not sent
    assert "vpn-12345.md" in wire["summary"]


@pytest.mark.parametrize(
    ("attachment", "personal"),
    [
        (export(), False),  # a channel or group chat: bots cannot upload there
        (export(final=True), True),  # a session's closing note
        (export(download_url=""), True),  # nothing serves download links: nothing to render it again from
        (export(download_url="https://elsewhere.example/x"), True),
        (export(upload=False), True),
    ],
)
def test_other_documents_stay_code_cards(attachment: Attachment, personal: bool) -> None:
    assert not wants_consent(attachment, personal=personal)
    messages = render_attachment(attachment, personal=personal, links=True)
    shown = json.dumps([m.activity() for m in messages], ensure_ascii=False)
    assert all(m.attachment()["contentType"] != CONSENT_TYPE for m in messages)
    assert "Jane fixed it." in shown
    link = texts.DOWNLOAD_LINK.format(url=attachment.download_url)
    assert (link in shown) == bool(attachment.download_url and not attachment.final)


def flow_yaml(**fields: Any) -> Attachment:
    values: dict[str, Any] = {"title": "Flow YAML", "upload": True, "download_url": EXPORT_LINK}
    return Attachment(HERE, "vpn-test.yaml", "key: vpn-test\nname: VPN test\n", "text/yaml", **(values | fields))


def test_a_flows_yaml_in_a_1_1_chat_is_a_file_consent_card_too() -> None:
    (message,) = render_attachment(flow_yaml(), personal=True, links=False)
    (attachment,) = message.activity()["attachments"]
    assert attachment["contentType"] == CONSENT_TYPE and attachment["name"] == "vpn-test.yaml"
    assert attachment["content"]["description"].startswith("Flow YAML: vpn-test.yaml")
    assert attachment["content"]["acceptContext"] == {"rf": CONTEXT_KIND, "token": "eyJ0ZWFtIjoidCJ9.c2ln"}
    assert "name: VPN test" not in json.dumps(message.activity())


def test_a_flows_yaml_in_a_channel_is_a_code_card_headed_by_its_download_link() -> None:
    messages = render_attachment(flow_yaml(), personal=False, links=True)
    shown = json.dumps([m.activity() for m in messages], ensure_ascii=False)
    assert shown.index(texts.DOWNLOAD_LINK.format(url=EXPORT_LINK)) < shown.index("name: VPN test")
    assert "Flow YAML — vpn-test.yaml" in shown and CONSENT_TYPE not in shown

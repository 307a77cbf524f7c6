"""Teams' file cards (pure): the consent card, the answer to it read into a ``ConsentAnswer`` (table of good and bad
answers), the file-info card that shows an uploaded file, and what the consent card becomes once answered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from microsoft_agents.activity import Activity

from bot.handlers.teams import texts
from bot.handlers.teams.file_cards import (
    CONTEXT_KIND,
    FILE_CONSENT,
    INFO_TYPE,
    BadAnswer,
    UploadInfo,
    answered_card,
    consent_message,
    info_message,
    parse_answer,
)

CHAT = "a:1dana-chat"
SERVICE = "https://smba.trafficmanager.net/amer/"
CONTEXT = {"rf": CONTEXT_KIND, "token": "claims.mac"}
UPLOAD = {
    "name": "vpn-12345.md",
    "uploadUrl": "https://contoso-my.sharepoint.com/personal/dana/_api/v2.0/uploadSession?guid=1",
    "contentUrl": "https://contoso-my.sharepoint.com/personal/dana/Documents/Applications/vpn-12345.md",
    "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
    "fileType": "md",
    "etag": '"{1150D938-8870-4044-9F2C-5BBDEBA70C9D},1"',
}


def answer(value: Any, conversation: str = CHAT, **fields: Any) -> Activity:
    wire: dict[str, Any] = {
        "type": "invoke",
        "name": FILE_CONSENT,
        "id": "f:1",
        "channelId": "msteams",
        "serviceUrl": SERVICE,
        "from": {"id": "29:1dana", "name": "Dana Tech"},
        "recipient": {"id": "28:bot"},
        "conversation": {"id": conversation, "conversationType": "personal" if conversation[:2] == "a:" else "channel"},
        "replyToId": "1700000000001",
        "value": value,
    }
    return Activity.model_validate(wire | fields)


def test_an_accepted_consent_carries_the_token_and_where_to_upload() -> None:
    got = parse_answer(answer({"type": "fileUpload", "action": "accept", "context": CONTEXT, "uploadInfo": UPLOAD}))
    assert got.accepted and got.token == "claims.mac" and got.conversation_id == CHAT and got.service_url == SERVICE
    actor = got.actor
    assert (actor.platform, actor.platform_user_id, actor.display_name) == ("teams", "29:1dana", "Dana Tech")
    assert got.card_id == "1700000000001"
    assert got.upload == UploadInfo("vpn-12345.md", UPLOAD["uploadUrl"], UPLOAD["contentUrl"], UPLOAD["uniqueId"], "md")


def test_a_declined_consent_needs_no_upload_info() -> None:
    got = parse_answer(answer({"type": "fileUpload", "action": "decline", "context": CONTEXT}))
    assert not got.accepted and got.upload is None and got.token == "claims.mac"


@pytest.mark.parametrize(
    ("value", "conversation"),
    [
        ({"type": "fileUpload", "action": "accept", "context": CONTEXT}, CHAT),  # accepted without uploadInfo
        ({"type": "fileUpload", "action": "maybe", "context": CONTEXT}, CHAT),
        ({"type": "fileUpload", "action": "decline", "context": {"filename": "x.md"}}, CHAT),  # not our context
        ({"type": "fileUpload", "action": "decline", "context": {"rf": "export.v0", "token": "t"}}, CHAT),
        ({"type": "fileUpload", "action": "decline", "context": {"rf": CONTEXT_KIND, "token": 7}}, CHAT),
        ({"type": "fileUpload", "action": "decline", "context": {"rf": CONTEXT_KIND, "token": "t" * 2000}}, CHAT),
        ({"type": "fileUpload", "action": "decline", "context": "just text"}, CHAT),
        ({"type": "fileUpload", "action": "decline", "context": CONTEXT}, "19:general@thread.tacv2"),  # a channel
        ({"action": "accept", "context": CONTEXT, "uploadInfo": {"name": "x"}}, CHAT),  # an incomplete uploadInfo
        ("accept", CHAT),
        (None, CHAT),
    ],
)
def test_answers_we_cannot_use_are_refused(value: Any, conversation: str) -> None:
    with pytest.raises(BadAnswer):
        parse_answer(answer(value, conversation))


def test_the_info_card_points_at_the_file_in_onedrive() -> None:
    upload = UploadInfo("vpn-12345.md", "https://u", UPLOAD["contentUrl"], UPLOAD["uniqueId"], "md")
    wire = info_message(upload).activity()
    assert wire["attachments"] == [
        {
            "contentType": INFO_TYPE,
            "name": "vpn-12345.md",
            "contentUrl": UPLOAD["contentUrl"],
            "content": {"uniqueId": UPLOAD["uniqueId"], "fileType": "md"},
        }
    ]
    assert "vpn-12345.md" in wire["summary"]


def test_an_answered_card_says_what_happened_and_has_nothing_to_press() -> None:
    wire = answered_card(texts.CARD_UPLOADED.format(filename="vpn-test.yaml")).activity()
    shown = json.dumps(wire, ensure_ascii=False)
    assert "Uploaded vpn-test.yaml" in shown and '"Action.' not in shown and "file.consent" not in shown
    assert wire["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_the_consent_card_says_what_the_file_is() -> None:
    content = consent_message("vpn-test.yaml", 812, "claims.mac", "Flow YAML").attachment()["content"]
    assert content["description"] == texts.CONSENT_DESCRIPTION.format(title="Flow YAML", filename="vpn-test.yaml")
    assert content["sizeInBytes"] == 812 and content["acceptContext"] == CONTEXT

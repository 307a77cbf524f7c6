"""Realistic Teams activity JSON (shapes from platforms.md §2.3 and teams-agents-sdk.md T6/T7) and a structural
check of rendered Adaptive Cards (the 1.5 JSON schema is not available offline)."""

from __future__ import annotations

import copy
from typing import Any

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT = {"id": "28:5e0c8d6a-1c4a-4b7e-9d55-0b1f3c2a7e11", "name": "ResolutionFlow"}
DANA = {"id": "29:1GcS4EyB-dana", "name": "Dana Lee", "aadObjectId": "6b8e3f0c-aad-dana"}
CHANNEL = "19:7d2f8a1e0c4b4f0e9a3d5c6b7e8f9a0b@thread.tacv2"
TEAM = "19:a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2"
PERSONAL = "a:1mK3xPersonalChatIdOpaque"
GROUP = "19:0a1b2c3d4e5f60718293a4b5c6d7e8f9@thread.v2"
SERVICE_URL = "https://smba.trafficmanager.net/amer/72f988bf-86f1-41af-91ab-2d7cd011db47/"

_BASE: dict[str, Any] = {
    "type": "message",
    "channelId": "msteams",
    "serviceUrl": SERVICE_URL,
    "timestamp": "2025-10-08T17:33:01.4300000Z",
    "localTimestamp": "2025-10-08T13:33:01.4300000-04:00",
    "locale": "en-US",
    "localTimezone": "America/New_York",
    "textFormat": "plain",
    "from": DANA,
    "recipient": BOT,
}


def _mention(who: dict[str, str], text: str | None = None) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": text if text is not None else f"<at>{who['name']}</at>",
        "mentioned": {"id": who["id"], "name": who["name"]},
    }


CLIENT_INFO = {
    "type": "clientInfo",
    "locale": "en-US",
    "country": "US",
    "platform": "Web",
    "timezone": "America/New_York",
}


def channel_message(
    text: str, *, activity_id: str = "1759944781430", root: str | None = None, mention_bot: bool = True, **extra: Any
) -> dict[str, Any]:
    """A channel message; ``root`` None makes it a top-level post (its own thread root)."""
    root = activity_id if root is None else root
    body = copy.deepcopy(_BASE)
    body.update(
        id=activity_id,
        conversation={
            "id": f"{CHANNEL};messageid={root}",
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
        },
        channelData={
            "teamsChannelId": CHANNEL,
            "teamsTeamId": TEAM,
            "channel": {"id": CHANNEL},
            "team": {"id": TEAM},
            "tenant": {"id": TENANT},
        },
        text=(f"<at>{BOT['name']}</at> {text}" if mention_bot else text),
        entities=[*([_mention(BOT)] if mention_bot else []), CLIENT_INFO],
        attachments=[{"contentType": "text/html", "content": f"<p>{text}</p>"}],
    )
    body.update(extra)
    return body


def personal_message(text: str, *, activity_id: str = "1759944790001", **extra: Any) -> dict[str, Any]:
    """A message in the bot's personal (1:1) chat: no mention."""
    body = copy.deepcopy(_BASE)
    body.update(
        id=activity_id,
        conversation={"id": PERSONAL, "conversationType": "personal", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}},
        text=text,
        entities=[CLIENT_INFO],
    )
    body.update(extra)
    return body


def group_message(text: str, *, mention_bot: bool = True, activity_id: str = "1759944795555") -> dict[str, Any]:
    """A group chat message (bots only see those that mention them)."""
    body = copy.deepcopy(_BASE)
    body.update(
        id=activity_id,
        conversation={"id": GROUP, "isGroup": True, "conversationType": "groupChat", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}},
        text=(f"<at>{BOT['name']}</at> {text}" if mention_bot else text),
        entities=[*([_mention(BOT)] if mention_bot else []), CLIENT_INFO],
    )
    return body


def execute(
    verb: str, data: Any, *, conversation: dict[str, Any] | None = None, card_id: str = "1759944800000", **extra: Any
) -> dict[str, Any]:
    """An ``adaptiveCard/action`` invoke (Action.Execute) on a card in a channel thread rooted at the card."""
    body = copy.deepcopy(_BASE)
    del body["textFormat"]
    body.update(
        type="invoke",
        name="adaptiveCard/action",
        id="f:7a1c2b3d-invoke-0001",
        replyToId=card_id,
        conversation=conversation
        or {
            "id": f"{CHANNEL};messageid={card_id}",
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
        },
        channelData={
            "channel": {"id": CHANNEL},
            "team": {"id": TEAM},
            "tenant": {"id": TENANT},
            "source": {"name": "message"},
        },
        value={"action": {"type": "Action.Execute", "id": "act-1", "verb": verb, "data": data}, "trigger": "manual"},
        entities=[CLIENT_INFO],
    )
    body.update(extra)
    return body


def submit(value: Any, *, card_id: str = "1759944800000") -> dict[str, Any]:
    """An Action.Submit from an older client: a message with no text and the action's data (inputs merged)."""
    body = personal_message("", activity_id="1759944801234", replyToId=card_id)
    del body["text"]
    body["value"] = value
    return body


PERSONAL_CONVERSATION = {"id": PERSONAL, "conversationType": "personal", "tenantId": TENANT}

ELEMENTS = {
    "TextBlock": ("text",),
    "FactSet": ("facts",),
    "CodeBlock": ("codeSnippet", "language"),
    "Container": ("items",),
    "ActionSet": ("actions",),
    "Input.ChoiceSet": ("id", "choices"),
    "Input.Text": ("id",),
}
ACTIONS = {"Action.Execute": ("title", "verb", "data"), "Action.Submit": ("title", "data")}


def check_card(card: dict[str, Any]) -> None:
    """Structural checks: an Adaptive Card 1.5 whose elements and actions are known types with their required
    properties, unique input ids, and TextBlocks that wrap."""
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    seen: set[str] = set()

    def element(e: dict[str, Any]) -> None:
        assert e["type"] in ELEMENTS, e["type"]
        for key in ELEMENTS[e["type"]]:
            assert key in e, (e["type"], key)
        if e["type"] == "TextBlock":
            assert isinstance(e["text"], str) and e["text"] and e["wrap"] is True
        if e["type"].startswith("Input."):
            assert e["id"] not in seen, f"duplicate input id {e['id']}"
            seen.add(e["id"])
        for child in e.get("items", []):
            element(child)
        if isinstance(e.get("fallback"), dict):
            element(e["fallback"])
        for a in e.get("actions", []):
            action(a)

    def action(a: dict[str, Any]) -> None:
        assert a["type"] in ACTIONS, a["type"]
        for key in ACTIONS[a["type"]]:
            assert key in a, (a["type"], key)
        assert a.get("associatedInputs", "auto") in ("auto", "none")
        if isinstance(a.get("fallback"), dict):
            action(a["fallback"])

    for e in card["body"]:
        element(e)


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Execute of a card, in order."""
    return [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]

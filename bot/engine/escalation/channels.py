"""Where a team's escalations are announced: one conversation per chat platform, kept in the team's preferences
(``escalation_channels``: ``{platform: ConversationRef dict}``), set by a team admin with
`admin escalation-channel here | #channel | off`.

Only what the platform needs to post there later is kept: a stored conversation has no thread, and the extras of
the command that set it lose what belongs to that one request (trigger ids, response URLs, message ids).
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.escalation.records import CHANNELS_SETTING
from bot.engine.events import ConversationRef
from bot.engine.ports import SettingsRepository

SLACK_CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|([^>]*))?>$")
TRANSIENT_EXTRAS = frozenset({"trigger_id", "response_url", "message_ts", "message_id"})
LABEL = "label"


def stored(conversation: ConversationRef, channel: str = "", label: str = "") -> dict[str, Any]:
    """The form kept in the preferences: ``conversation``'s platform (and, unless ``channel`` names another one,
    channel), no thread, lasting extras only, and a ``label`` to show."""
    extras = {k: v for k, v in conversation.extras.items() if k not in TRANSIENT_EXTRAS}
    ref = ConversationRef(conversation.platform, channel or conversation.channel, "", extras)
    return {**ref.to_dict(), LABEL: label or f"#{channel or conversation.channel}"}


def parse_channel(word: str) -> tuple[str, str] | None:
    """A channel named in a command (Slack escapes ``#name`` as ``<#C123|name>``): (channel id, label), or None."""
    found = SLACK_CHANNEL.match(word.strip())
    if found is None:
        return None
    return found.group(1), f"#{found.group(2) or found.group(1)}"


async def channel_for(settings: SettingsRepository, team_id: str, platform: str) -> ConversationRef | None:
    """The team's escalation channel on ``platform``, if one is set."""
    data = (await settings.get(team_id)).get(CHANNELS_SETTING)
    entry = data.get(platform) if isinstance(data, dict) else None
    if not isinstance(entry, dict) or not entry.get("channel"):
        return None
    return ConversationRef.from_dict(entry)


async def label_for(settings: SettingsRepository, team_id: str, platform: str) -> str:
    """How the channel is shown ("" when none is set)."""
    data = (await settings.get(team_id)).get(CHANNELS_SETTING)
    entry = data.get(platform) if isinstance(data, dict) else None
    return str(entry.get(LABEL) or entry.get("channel") or "") if isinstance(entry, dict) else ""


async def set_channel(settings: SettingsRepository, team_id: str, platform: str, entry: dict[str, Any] | None) -> None:
    """Set (or with None, clear) the escalation channel on ``platform``; other platforms' stay."""
    data = (await settings.get(team_id)).get(CHANNELS_SETTING)
    channels = dict(data) if isinstance(data, dict) else {}
    if entry is None:
        channels.pop(platform, None)
    else:
        channels[platform] = entry
    await settings.put(team_id, {CHANNELS_SETTING: channels})

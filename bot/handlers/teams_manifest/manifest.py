"""``manifest.json`` of the Teams app (pure: an ``AppSpec`` in, a dict out).

The app is one bot, installable in personal chats, teams and group chats. Its command menus list engine commands
with the first line of their handlers' docstrings, the same text as ``help``, so they cannot drift apart; each name
must also be one of the chat command words (``bot.handlers.commands``), or typing it would not run the command.

Resource-specific consent ``ChannelMessage.Read.Group`` lets Teams deliver channel messages that do not mention
the bot, which the adapter needs to turn replies in a session's thread into notes. Group chats have no threads
and the adapter only reads messages there that mention the bot, so ``ChatMessage.Read.Chat`` is not requested.
RSC needs ``webApplicationInfo`` with the bot's app id (Teams ignores its ``resource``, but requires one).
"""

from __future__ import annotations

from typing import Any

from bot.engine.commands.registry import COMMANDS, usage
from bot.handlers.teams_manifest import texts
from bot.handlers.teams_manifest.spec import AppSpec

MANIFEST_VERSION = "1.27"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT_COLOR = "#1E3A8A"
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
RSC_PERMISSIONS = ("ChannelMessage.Read.Group",)
# Limits kept to the strictest Teams has documented for bot command menus (older clients show no more).
MAX_COMMANDS = 10
MAX_TITLE = 32
MAX_DESCRIPTION = 128
ELLIPSIS = "…"

# The command menus: in channels and group chats (after an @mention), and in the personal chat.
TEAM_COMMANDS = ("start", "status", "note", "fact", "pilot", "link", "pause", "resolve", "export", "help")
PERSONAL_COMMANDS = ("start", "list", "search", "status", "note", "resume", "pilot", "resolve", "history", "help")


def describe(command: str) -> str:
    """What a command does, for its menu entry: its usage line without Markdown, within Teams' limit."""
    text = texts.HELP_USAGE if command == "help" else usage(COMMANDS[command])
    text = " ".join(text.replace("`", "").split())
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1].rstrip() + ELLIPSIS


def command_list(scopes: list[str], commands: tuple[str, ...]) -> dict[str, Any]:
    """One ``commandLists`` entry."""
    return {"scopes": scopes, "commands": [{"title": c, "description": describe(c)} for c in commands]}


def build_manifest(spec: AppSpec) -> dict[str, Any]:
    """The manifest of the app package for ``spec``."""
    site = spec.host.origin
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": spec.version,
        "id": spec.package_id,
        "developer": {
            "name": spec.name,
            "websiteUrl": f"{site}/",
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": spec.name, "full": texts.FULL_NAME.format(name=spec.name)},
        "description": {
            "short": texts.SHORT_DESCRIPTION,
            "full": texts.FULL_DESCRIPTION.format(name=spec.name),
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": spec.app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [
                    command_list(["team", "groupChat"], TEAM_COMMANDS),
                    command_list(["personal"], PERSONAL_COMMANDS),
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [spec.host.name],
        "webApplicationInfo": {"id": spec.app_id, "resource": f"api://botid-{spec.app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [{"name": name, "type": "Application"} for name in RSC_PERMISSIONS],
            }
        },
    }

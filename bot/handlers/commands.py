"""Command words typed in chat, shared by every chat adapter (pure, platform-neutral).

A message addressed to the bot (a Slack mention or DM, a Teams @mention or personal chat) is a command when its
first word is one of ``COMMAND_WORDS``; anything else is free text (a note in a session's thread, or a question for
FlowPilot). The list is deliberately narrower than the engine's command table and aliases, so everyday sentences
("run the script again", "find it odd that…") stay free text; explicit commands (``/rf …``) reach every command.
"""

from __future__ import annotations

COMMAND_WORDS = frozenset(
    {
        "start", "list", "search", "status", "note", "back", "pause", "resume", "resolve", "abandon", "export",
        "help", "history", "link", "addstep", "pilot", "ask", "fact", "update", "flow", "escalate", "park", "stats",
        "share", "schedule", "proposals", "steps",
    }
)  # fmt: skip


def split_command(text: str) -> tuple[str, str]:
    """``"Start vpn  #123 "`` -> ``("start", "vpn  #123")``: the first word lower-cased, the rest stripped."""
    name, _, args = text.strip().partition(" ")
    return name.lower(), args.strip()


ADMIN = "admin"
ADMIN_SUBCOMMANDS = frozenset(
    {"psa", "members", "escalation-channel", "audit", "users", "teams", "settings"}
)  # bot.engine.commands.admin


def is_command(name: str, args: str) -> bool:
    """Whether an addressed message split into ``name`` and ``args`` (``split_command``) is a command: a command
    word, or ``admin`` alone or before one of its sub-commands ("admin account locked out" stays free text)."""
    if name in COMMAND_WORDS:
        return True
    return name == ADMIN and (not args or args.split()[0].lower() in ADMIN_SUBCOMMANDS)

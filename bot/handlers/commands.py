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
    }
)  # fmt: skip


def split_command(text: str) -> tuple[str, str]:
    """``"Start vpn  #123 "`` -> ``("start", "vpn  #123")``: the first word lower-cased, the rest stripped."""
    name, _, args = text.strip().partition(" ")
    return name.lower(), args.strip()


def is_command(text: str) -> bool:
    """Whether ``text`` starts with one of ``COMMAND_WORDS``."""
    return split_command(text)[0] in COMMAND_WORDS

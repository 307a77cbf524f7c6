"""Strings of the Teams app package: what Teams shows about the app, and why an input is refused."""

from __future__ import annotations

DEFAULT_NAME = "ResolutionFlow"
FULL_NAME = "{name}: guided troubleshooting for MSP engineers"
SHORT_DESCRIPTION = "Guided troubleshooting for MSP engineers; the ticket note writes itself."
FULL_DESCRIPTION = (
    "{name} walks engineers through guided troubleshooting flows, in a channel thread or in a personal chat. "
    "Every answer, note and fix is recorded as a timestamped step, and when the session is resolved the bot "
    "writes a redacted ticket note for the PSA. FlowPilot, the AI copilot, suggests next steps from your flows "
    "and past sessions.\n\n"
    'In a channel, mention @{name} with a command, for example "start vpn #12345"; the session lives in that '
    "post's thread, and replies in the thread become notes on the current step. In a personal chat, type the "
    'same commands without the mention; "help" lists them all.'
)
HELP_USAGE = "List every command with its usage."

BAD_APP_ID = "expected the bot's Microsoft App ID, a GUID like 00000000-0000-0000-0000-000000000000; got {value!r}"
BAD_PACKAGE_ID = "expected a GUID like 00000000-0000-0000-0000-000000000000; got {value!r}"
HOST_SCHEME = (
    "Teams only calls HTTPS endpoints: give the host name (bot.example.com) or an https:// URL, not {scheme}://"
)
HOST_PATH = "give the host name only (bot.example.com): rfbot serve answers Teams at /api/messages on that host"
BAD_HOST = "expected the public host name of rfbot serve, like bot.example.com; got {value!r}"
BAD_PORT = "port must be between 1 and 65535; got {value}"
BAD_NAME = "the app name must be 1 to {limit} characters; got {length}"
BAD_VERSION = "expected an app version like 1.0.0 (three numbers, no leading zeros); got {value!r}"

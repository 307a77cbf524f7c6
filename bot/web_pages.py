"""The two public pages an app listing links to (`/privacy` and `/terms`): plain, self-contained HTML that says
what the bot keeps and sends, so the links in the Teams app package (and a Slack app's listing) lead somewhere
true. An operator who needs their own legal text puts a reverse proxy route in front of these paths."""

from __future__ import annotations

from html import escape

PRIVACY = (
    "Privacy",
    [
        "ResolutionFlow Bot is run by your organisation (or its managed service provider) on its own servers.",
        "It keeps the troubleshooting sessions you run with it: the steps you clicked, notes you typed, files you "
        "shared with FlowPilot, and the resulting ticket notes, in your organisation's database.",
        "Before anything is sent to the AI model provider (Anthropic) or the embeddings provider (Voyage AI), and "
        "before notes are posted to the ticketing system or shown on shared cards, addresses, e-mail addresses, "
        "passwords, keys and similar secrets are masked.",
        "Credentials it holds (chat tokens, ticketing-system keys) are encrypted at rest.",
        "Ask your administrator to export or delete your sessions.",
    ],
)
TERMS = (
    "Terms of use",
    [
        "ResolutionFlow Bot is provided by your organisation for troubleshooting and documenting support work.",
        "Suggestions from FlowPilot are drafts for an engineer to check; scripts are shown, never run by the bot.",
        "Use it according to your organisation's policies and your clients' agreements.",
    ],
)


def page(title: str, paragraphs: list[str]) -> str:
    """A small self-contained HTML page."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ResolutionFlow Bot — {escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


PAGES = {"/privacy": page(*PRIVACY), "/terms": page(*TERMS)}

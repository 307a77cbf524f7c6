"""Build the Claude copilot from settings (called by the composition root, ``bot.app``), and close it."""

from __future__ import annotations

import anthropic

from bot.config import Settings
from bot.pilot.claude import ClaudeCopilot, Observe

MAX_RETRIES = 2


def build_copilot(settings: Settings, observe: Observe | None = None) -> ClaudeCopilot | None:
    """A ``ClaudeCopilot`` with its own ``AsyncAnthropic`` client, or None when no Anthropic key is set."""
    if not settings.claude_enabled or settings.anthropic_api_key is None:
        return None
    client = anthropic.AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url or None,
        timeout=settings.pilot_timeout,
        max_retries=MAX_RETRIES,
    )
    return ClaudeCopilot(client, settings.fast_model, settings.deep_model, observe)


async def close_copilot(copilot: ClaudeCopilot | None) -> None:
    """Close the copilot's HTTP client (no-op for None)."""
    if copilot is not None:
        await copilot.aclose()

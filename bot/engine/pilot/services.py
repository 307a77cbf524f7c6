"""What FlowPilot needs from outside the engine, handed over by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.engine.copilot import Copilot, Retriever


@dataclass(slots=True)
class PilotServices:
    """The copilot (Claude or offline), the offline fallback, retrieval, and how to wake the worker.

    ``edit_interval`` is the least time between two edits of a streaming reply (about one per second).
    """

    copilot: Copilot
    offline: Copilot
    retriever: Retriever | None = None
    wake: Callable[[], None] | None = None
    edit_interval: float = 1.0
    close: Callable[[], Awaitable[None]] | None = None  # releases the copilot's connections at shutdown

    @property
    def mode(self) -> str:
        """ "claude" or "offline"."""
        return self.copilot.mode

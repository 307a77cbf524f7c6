"""What FlowPilot needs from outside the engine, handed over by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.engine.copilot import Copilot, Retriever
from bot.engine.file_fetch import FileFetcher


@dataclass(slots=True)
class PilotServices:
    """The copilot (Claude or offline), the offline fallback, retrieval, and how to wake the worker.

    ``edit_interval`` is the least time between two edits of a streaming reply (about one per second). ``files``
    downloads the files shared in a thread, one fetcher per chat platform (keyed like ``FileRef.platform``).
    """

    copilot: Copilot
    offline: Copilot
    retriever: Retriever | None = None
    wake: Callable[[], None] | None = None
    edit_interval: float = 1.0
    close: Callable[[], Awaitable[None]] | None = None  # releases the copilot's connections at shutdown
    files: dict[str, FileFetcher] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """ "claude" or "offline"."""
        return self.copilot.mode

"""Coalesce a streaming reply's edits: at most one message edit per ``interval`` seconds, and the latest text wins."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable


class Coalescer:
    """Receives the visible text so far; pushes an edit when ``interval`` has passed since the last one.

    The final text is not pushed here: the finished turn replaces the message anyway.
    """

    def __init__(
        self, push: Callable[[str], Awaitable[None]], interval: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._push = push
        self._interval = interval
        self._clock = clock
        self._last = clock()  # the placeholder was just shown
        self._shown = ""
        self.edits = 0

    async def __call__(self, text: str) -> None:
        """New text so far."""
        if not text.strip() or text == self._shown:
            return
        now = self._clock()
        if now - self._last < self._interval:
            return
        self._last, self._shown = now, text
        self.edits += 1
        await self._push(text)

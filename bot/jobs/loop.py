"""A background loop that runs one pass when woken, and every ``poll_seconds`` as a safety net.

Both the inbox worker and the outbox worker are such loops; a pass that fails (a database restart) is logged and
the next wake or poll tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class WakeableLoop:
    """Runs ``one_pass`` on ``wake()`` and on every poll, until ``stop()``."""

    def __init__(self, name: str, one_pass: Callable[[], Awaitable[object]], poll_seconds: float) -> None:
        self._name = name
        self._pass = one_pass
        self._poll = poll_seconds
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Run a pass soon."""
        self._wakeup.set()

    def start(self) -> None:
        """Run in the background of the current event loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        """Stop after the pass in hand."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                await self._pass()
            except Exception:  # the loop must survive anything; the next wake or poll tries again
                log.exception("%s pass failed", self._name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll)

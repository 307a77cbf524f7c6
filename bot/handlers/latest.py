"""Deferred deliveries where only the latest content per key matters (a session card showing progress).

A platform adapter hands lazy updates to ``LatestWins``: the first update of a key is delivered ``delay`` seconds
later, and every update of the same key arriving meanwhile replaces it, so a burst of clicks costs one API call
per card instead of one per click, and never stands between an engineer and their next step. An eager delivery
of the same key (``cancel``) drops what is pending so an older view can never overwrite a newer one. With a delay
of 0 nothing is deferred: the caller delivers lazy updates itself at the end of its batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterator
from typing import Generic, TypeVar

from bot.engine.events import InboundEvent
from bot.engine.replies import Reply, Update

log = logging.getLogger(__name__)
T = TypeVar("T")

ThreadHook = Callable[[str, InboundEvent], Awaitable[None]]
"""Called by a sender the moment a session card opens a thread (platform, ``ThreadStarted``), before the batch's
next message is sent: the engine records the thread first, so a reply typed in it as soon as the step appears is
never taken for a message in a thread the bot does not know."""


class LatestWins(Generic[T]):
    """Per-key coalescing of deferred deliveries: ``put`` schedules, ``flush`` delivers what is pending now."""

    def __init__(self, delay: float, deliver: Callable[[T], Awaitable[None]]) -> None:
        self.delay = delay
        self._deliver = deliver
        self._pending: dict[Hashable, T] = {}
        self._timers: dict[Hashable, asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task[None]] = set()

    @property
    def deferring(self) -> bool:
        """Whether updates are deferred at all (a delay above 0)."""
        return self.delay > 0

    def put(self, key: Hashable, item: T) -> None:
        """Deliver ``item`` for ``key`` after the delay, unless a newer item for the key replaces it first."""
        self._pending[key] = item
        if key not in self._timers:
            loop = asyncio.get_running_loop()
            self._timers[key] = loop.call_later(self.delay, self._due, key)

    def cancel(self, key: Hashable) -> None:
        """Forget what is pending for ``key`` (a newer view of it is being delivered right now)."""
        self._pending.pop(key, None)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def _due(self, key: Hashable) -> None:
        self._timers.pop(key, None)
        item = self._pending.pop(key, None)
        if item is None:
            return
        task = asyncio.get_running_loop().create_task(self._run(item))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, item: T) -> None:
        try:
            await self._deliver(item)
        except Exception:  # a card that could not be refreshed is logged; the next update tries again
            log.exception("deferred update failed")

    async def flush(self) -> None:
        """Deliver everything pending now and wait for deliveries under way (at shutdown, and in tests)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        pending, self._pending = list(self._pending.values()), {}
        for item in pending:
            await self._run(item)
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)


def delivery_order(lazy: LatestWins[tuple[str, Update]], team_id: str, replies: list[Reply]) -> Iterator[Reply]:
    """The replies a sender delivers now, in order (consume it while delivering: a lazy update is handed to ``lazy``
    only once the replies before it went out, so an earlier eager view of the same message cannot cancel it). Lazy
    updates (``Update.lazy``, the session card) are deferred when ``lazy`` defers, else only the latest per message
    is kept and goes after the batch's other replies."""
    last: dict[str, Update] = {}
    for reply in replies:
        if isinstance(reply, Update) and reply.lazy:
            if lazy.deferring:
                lazy.put((team_id, reply.ref), (team_id, reply))
            else:
                last.pop(reply.ref, None)
                last[reply.ref] = reply
            continue
        yield reply
    yield from last.values()

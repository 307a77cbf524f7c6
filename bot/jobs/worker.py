"""The inbox worker: hands persisted events to the engine and the replies to the platform's sender.

Adapters acknowledge a platform request as soon as its event is in the inbox (one INSERT) and ``wake()`` the
worker. Events are processed in arrival order; each is marked processed in the same transaction as its effect,
so a crash, a redelivery or a second worker can never apply it twice. A sender may return follow-up events
(``ThreadStarted`` when a card opened a thread); they are handled at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping
from typing import Protocol

from bot.engine import codec
from bot.engine.events import Actor, InboundEvent
from bot.engine.model import InboxItem
from bot.engine.ports import UnitOfWorkFactory
from bot.engine.replies import Reply

log = logging.getLogger(__name__)


class Handler(Protocol):
    """The engine, as the worker sees it."""

    async def handle(self, event: InboundEvent, inbox_id: int | None = None) -> list[Reply]:
        """Handle one event."""
        ...


class Sender(Protocol):
    """A platform's outbound side."""

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        """Deliver replies (``actor`` caused them); return follow-up events for the engine."""
        ...


class Enricher(Protocol):
    """Fills in what a platform payload lacks (the actor's real name and e-mail) before the engine runs."""

    async def enrich(self, event: InboundEvent) -> InboundEvent:
        """The event, completed."""
        ...


class Observer(Protocol):
    """Metrics hooks."""

    def event_handled(self, kind: str, seconds: float, ok: bool) -> None:
        """One inbox event went through the engine and its sender."""
        ...


def lane_of(item: InboxItem) -> str:
    """Events that must not overtake each other share a lane: same session, else same conversation."""
    payload = item.payload
    session = payload.get("session_id")
    if session:
        return f"s:{session}"
    conversation = payload.get("conversation") or {}
    return f"c:{item.team_id}:{conversation.get('platform')}:{conversation.get('channel')}:{conversation.get('thread')}"


class InboxWorker:
    """Drains the inbox continuously: on ``wake()``, and every ``poll_seconds`` as a safety net.

    Each lane (a session, or a conversation before its session exists) is a queue worked by its own task, so a
    slow lane (a Slack call that is being retried) never holds up the others and a new event starts as soon as its
    lane is free. At most ``concurrency`` events are in hand at once across all lanes.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        engine: Handler,
        senders: Mapping[str, Sender],
        *,
        poll_seconds: float = 2.0,
        observer: Observer | None = None,
        concurrency: int = 8,
        enrichers: Mapping[str, Enricher] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._engine = engine
        self._senders = senders
        self._poll = poll_seconds
        self._observer = observer
        self._gate = asyncio.Semaphore(concurrency)
        self._enrichers = enrichers if enrichers is not None else {}
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_hand: set[int] = set()
        self._finished: set[int] = set()  # done since the current fetch began: its read may still list them
        self._lanes: dict[str, deque[InboxItem]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        self.processed = 0

    def wake(self) -> None:
        """Something new is in the inbox."""
        self._wakeup.set()

    def start(self) -> None:
        """Run in the background of the current event loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="inbox-worker")

    async def stop(self) -> None:
        """Stop fetching, let the events in hand finish (their lanes stop after them) and return."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for lane in self._lanes.values():
            while len(lane) > 1:
                self._in_hand.discard(lane.pop().id)
        await self._idle()

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                await self.fetch()
            except Exception:  # the loop must survive anything (a database restart); the poll tries again
                log.exception("inbox worker could not read the inbox")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll)

    async def fetch(self, page: int = 200) -> int:
        """Queue every pending event not already in hand on its lane; returns how many were queued."""
        queued = 0
        after = 0
        self._finished.clear()
        while True:
            async with self._uow_factory() as uow:
                items = list(await uow.inbox.pending(page, after_id=after))
            for item in items:
                if item.id in self._in_hand or item.id in self._finished:
                    continue
                self._in_hand.add(item.id)
                key = lane_of(item)
                self._lanes.setdefault(key, deque()).append(item)
                if key not in self._lane_tasks:
                    self._lane_tasks[key] = asyncio.create_task(self._work(key), name=f"inbox-lane-{key}")
                queued += 1
            if len(items) < page:
                return queued
            after = items[-1].id

    async def drain_once(self) -> int:
        """Queue what is pending now and wait until it (and anything already in hand) is done; returns how many
        events this call queued. For tests and one-shot tools; the server runs ``start()``."""
        queued = await self.fetch()
        await self._idle()
        return queued

    async def _idle(self) -> None:
        while self._lane_tasks:
            await asyncio.gather(*list(self._lane_tasks.values()), return_exceptions=True)

    async def _work(self, key: str) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                item = lane[0]
                async with self._gate:
                    await self._process(item)
                lane.popleft()
                self._finished.add(item.id)
                self._in_hand.discard(item.id)
        finally:
            for item in lane:
                self._in_hand.discard(item.id)
            del self._lanes[key]
            del self._lane_tasks[key]

    async def _process(self, item: InboxItem) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        ok = False
        try:
            event = codec.decode(item.payload)
            enricher = self._enrichers.get(item.kind)
            if enricher is not None:
                event = await enricher.enrich(event)
            replies = await self._engine.handle(event, inbox_id=item.id)
            await self._deliver(item.kind, event, replies)
            ok = True
        except codec.UnknownEvent as err:
            log.error("inbox item %s cannot be read and is skipped: %s", item.id, err)
            await self._fail(item, str(err), give_up=True)
        except Exception as err:  # logged with the item id; retried up to the attempt limit
            log.exception("inbox item %s failed", item.id)
            await self._fail(item, f"{type(err).__name__}: {err}")
        finally:
            self.processed += 1
            if self._observer is not None:
                self._observer.event_handled(item.kind, loop.time() - started, ok)

    async def _deliver(self, kind: str, cause: InboundEvent, replies: list[Reply]) -> None:
        sender = self._senders.get(kind)
        if sender is None:
            log.error("no sender for platform %r; %d replies dropped", kind, len(replies))
            return
        follow_ups = await sender.send(cause.team_id, replies, cause.actor)
        for event in follow_ups:
            more = await self._engine.handle(event)
            if more:
                await sender.send(cause.team_id, more, cause.actor)

    async def _fail(self, item: InboxItem, error: str, give_up: bool = False) -> None:
        async with self._uow_factory() as uow:
            await uow.inbox.mark_failed(item.id, error)
            if give_up:
                await uow.inbox.mark_processed(item.id, item.received_at)
            await uow.commit()

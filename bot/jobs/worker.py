"""The inbox worker: hands persisted events to the engine and the replies to the platform's sender.

Adapters acknowledge a platform request as soon as its event is in the inbox (one INSERT) and either hand the
committed row straight to the worker (``hand_over``: no second read of what the intake just wrote) or ``wake()``
it to claim from the inbox. With N replicas on PostgreSQL each worker only works the lanes it holds a lease on
(``bot.store.repositories.inbox_claims``): the intake's INSERT claims the row for the local worker when it can,
every pass (on wake, on a NOTIFY from another replica through the ``listener``, every ``poll_seconds``) renews
this worker's leases and claims what is free or expired, and ``stop`` gives its lanes up.

Events are processed in arrival order; each is marked processed in the same transaction as its effect, so a
crash, a redelivery or a second worker can never apply it twice. The inbox stays the source of truth: what a
stopped process had in hand is still pending there and is claimed again by the next ``fetch`` (here, or on
another replica once its lease expires). A sender may return follow-up events (``ThreadStarted`` when a card
opened a thread); they are handled at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.engine import codec
from bot.engine.events import Actor, InboundEvent
from bot.engine.inbox_lanes import lane_key
from bot.engine.model import InboxItem
from bot.engine.ports import UnitOfWorkFactory
from bot.engine.replies import Post, Reply
from bot.jobs.loop import WakeableLoop
from bot.logs import log_context

log = logging.getLogger(__name__)


Progress = Callable[[list[Reply]], Awaitable[None]]
"""Delivers replies while an event is still being handled (a copilot's placeholder, streamed text)."""


class Handler(Protocol):
    """The engine, as the worker sees it."""

    async def handle(
        self, event: InboundEvent, inbox_id: int | None = None, progress: Progress | None = None
    ) -> list[Reply]:
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


class Listener(Protocol):
    """Wakes the worker when another process adds to the inbox (``bot.store.inbox_notify``)."""

    def start(self) -> None:
        """Listen in the background."""
        ...

    async def stop(self) -> None:
        """Stop listening."""
        ...


def lane_of(item: InboxItem) -> str:
    """The item's lane (``bot.engine.inbox_lanes.lane_key``): events of one lane never overtake each other and
    run on one replica at a time."""
    return lane_key(item.team_id, item.payload)


def worker_name() -> str:
    """A name for this process's worker, unique among replicas: ``host:pid:random``."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _where(payload: dict[str, Any]) -> tuple[Any, ...]:
    conversation = payload.get("conversation") or {}
    return (conversation.get("platform"), conversation.get("channel"), conversation.get("thread"))


class InboxWorker:
    """Drains the inbox continuously: on ``wake()``, and every ``poll_seconds`` as a safety net.

    Each lane (a session, or a conversation before its session exists) is a queue worked by its own task, so a
    slow lane (a Slack call that is being retried) never holds up the others and a new event starts as soon as its
    lane is free. At most ``concurrency`` events are in hand at once across all lanes, plus at most
    ``pilot_concurrency`` copilot jobs (which mostly wait on the model, so they get their own allowance).
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
        pilot_concurrency: int = 32,
        enrichers: Mapping[str, Enricher] | None = None,
        owner: str | None = None,
        lease_seconds: float = 30.0,
        now: Callable[[], datetime] | None = None,
        listener: Listener | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self.owner = owner or worker_name()
        self._lease = timedelta(seconds=lease_seconds)
        self._now = now or (lambda: datetime.now(UTC))
        self._listener = listener
        self._engine = engine
        self._senders = senders
        self._observer = observer
        self._gate = asyncio.Semaphore(concurrency)
        self._pilot_gate = asyncio.Semaphore(pilot_concurrency)
        self._enrichers = enrichers if enrichers is not None else {}
        self._loop = WakeableLoop("inbox-worker", self.fetch, poll_seconds)
        self._in_hand: set[int] = set()
        self._done: dict[int, asyncio.Event] = {}  # in-hand events a later copilot job of theirs may wait for
        self._finished: set[int] = set()  # done since the current fetch began: its read may still list them
        self._running: set[int] = set()  # the lane heads being processed now
        self._lanes: dict[str, deque[InboxItem]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        self._held: dict[str, int] = {}  # lanes of sessions just created here, held while their messages go out
        self.processed = 0

    def wake(self) -> None:
        """Something new is in the inbox."""
        self._loop.wake()

    def listen(self, listener: Listener) -> None:
        """Also wake on ``listener`` (another replica's NOTIFY); started and stopped with the worker."""
        self._listener = listener

    def start(self) -> None:
        """Run in the background of the current event loop (and the listener, when there is one)."""
        self._loop.start()
        if self._listener is not None:
            self._listener.start()

    async def stop(self) -> None:
        """Stop fetching, let the events in hand finish (their lanes stop after them), give up this worker's lanes
        (other replicas take them over at once) and return."""
        if self._listener is not None:
            await self._listener.stop()
        await self._loop.stop()
        for lane in self._lanes.values():  # keep only the events being processed; the rest stay pending in the inbox
            keep = 1 if lane and lane[0].id in self._running else 0
            while len(lane) > keep:
                item = lane.pop()
                self._in_hand.discard(item.id)
                self._release(item.id)  # a copilot job waiting for it (``_after_cause``) must not wait forever
        await self._idle()
        try:
            async with self._uow_factory() as uow:
                await uow.inbox.release(self.owner)
                await uow.commit()
        except Exception:  # the leases expire on their own
            log.warning("inbox worker %s could not release its lanes", self.owner, exc_info=True)

    async def fetch(self) -> int:
        """Claim the pending events of every lane this worker may work (``InboxRepository.claim``: its own lanes,
        free ones, expired ones; renewing its leases) and queue those not already in hand; returns how many were
        queued."""
        self._finished.clear()
        now = self._now()
        async with self._uow_factory() as uow:
            keep = [*self._lane_tasks, *self._held]  # in hand: never let go of a lane whose replies are going out
            items = list(await uow.inbox.claim(self.owner, now, now + self._lease, keep=keep))
            await uow.commit()
        queued = 0
        for item in items:
            if item.id in self._in_hand or item.id in self._finished:
                continue
            self._queue(item)
            queued += 1
        return queued

    def hand_over(self, item: InboxItem) -> None:
        """Queue an inbox row the intake has just committed, as ``fetch`` would have read it (same id, payload and
        time), without reading it back. Nothing is lost if this process stops first: the row is still pending."""
        if item.id in self._in_hand or item.id in self._finished:
            return
        self._queue(item)

    def _queue(self, item: InboxItem) -> None:
        """Put ``item`` on its lane in inbox order (but never ahead of an event already being processed) and start
        the lane's task if it has none."""
        self._in_hand.add(item.id)
        self._done[item.id] = asyncio.Event()
        key = lane_of(item)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = deque()
        if lane and lane[-1].id > item.id:  # committed after a later event of the same lane was queued
            floor = 1 if lane[0].id in self._running else 0
            at = len(lane)
            while at > floor and lane[at - 1].id > item.id:
                at -= 1
            lane.insert(at, item)
        else:
            lane.append(item)
        if key not in self._lane_tasks:
            self._lane_tasks[key] = asyncio.create_task(self._work(key), name=f"inbox-lane-{key}")

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
        gate = self._pilot_gate if key.startswith("p:") else self._gate
        try:
            while lane:
                item = lane[0]
                if key.startswith("p:"):
                    await self._after_cause(item)
                async with gate:
                    if not lane or lane[0] is not item:  # an earlier event was handed over meanwhile (it goes
                        continue  # first), or stop() dropped this one
                    self._running.add(item.id)
                    try:
                        await self._process(item)
                    finally:
                        self._running.discard(item.id)
                lane.popleft()
                self._finished.add(item.id)
                self._in_hand.discard(item.id)
                self._release(item.id)
        finally:
            for item in lane:
                self._in_hand.discard(item.id)
                self._release(item.id)
            del self._lanes[key]
            del self._lane_tasks[key]

    def _release(self, item_id: int) -> None:
        done = self._done.pop(item_id, None)
        if done is not None:
            done.set()

    async def _after_cause(self, job: InboxItem) -> None:
        """A copilot job starts only once the events before it in its session or conversation are done, replies
        delivered: its reply then always lands after the placeholder that event posted, in the thread it opened."""
        session, where = job.payload.get("session_id"), _where(job.payload)
        waits = [
            self._done[item.id]
            for lane_key, items in self._lanes.items()
            if not lane_key.startswith("p:")
            for item in items
            if item.id < job.id
            and item.id in self._done
            and (item.payload.get("session_id") == session or _where(item.payload) == where)
        ]
        for done in waits:
            await done.wait()

    async def _process(self, item: InboxItem) -> None:
        session = str(item.payload.get("session_id", ""))
        with log_context(team_id=item.team_id, event_id=item.dedupe_key, session_id=session):
            await self._process_bound(item)

    async def _process_bound(self, item: InboxItem) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        ok = False
        try:
            event = codec.decode(item.payload)
            enricher = self._enrichers.get(item.kind)
            if enricher is not None:
                event = await enricher.enrich(event)
            replies = await self._engine.handle(event, inbox_id=item.id, progress=self._progress(item.kind, event))
            created = await self._hold_new_sessions(item.team_id, replies)
            try:
                await self._deliver(item.kind, event, replies)
            finally:
                self._let_go(created)
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

    async def _hold_new_sessions(self, team_id: str, replies: list[Reply]) -> list[str]:
        """Lease the lanes of the sessions these replies open (a session card: a root post) to this worker before
        their messages are posted, and keep them while they are: the first click on a new step must run here, once
        the step's location is recorded, not on a replica that would find none and post the step again. A failure
        to lease is logged; delivery goes on (another replica may then take the click)."""
        lanes = [lane_key(team_id, {"session_id": r.session_id}) for r in replies if isinstance(r, Post) and r.root]
        lanes = [lane for lane in dict.fromkeys(lanes) if lane.startswith("s:")]
        if not lanes:
            return []
        for lane in lanes:
            self._held[lane] = self._held.get(lane, 0) + 1
        now = self._now()
        try:
            async with self._uow_factory() as uow:
                await uow.inbox.hold(self.owner, lanes, now, now + self._lease)
                await uow.commit()
        except Exception:  # the click may then run elsewhere: at worst its step is posted again, as before
            log.warning("could not hold the lanes of new sessions %s", lanes, exc_info=True)
        return lanes

    def _let_go(self, lanes: list[str]) -> None:
        for lane in lanes:
            left = self._held.get(lane, 0) - 1
            if left > 0:
                self._held[lane] = left
            else:
                self._held.pop(lane, None)

    def _progress(self, kind: str, cause: InboundEvent) -> Progress:
        async def deliver(replies: list[Reply]) -> None:
            await self._deliver(kind, cause, replies)

        return deliver

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

    async def follow_up(self, kind: str, event: InboundEvent) -> None:
        """Handle a sender's follow-up event now, in the middle of its batch (a session card just opened a thread:
        the thread is recorded before the step appears in it), and deliver what the engine answers."""
        more = await self._engine.handle(event)
        sender = self._senders.get(kind)
        if more and sender is not None:
            await sender.send(event.team_id, more, event.actor)

    async def _fail(self, item: InboxItem, error: str, give_up: bool = False) -> None:
        async with self._uow_factory() as uow:
            await uow.inbox.mark_failed(item.id, error)
            if give_up:
                await uow.inbox.mark_processed(item.id, item.received_at)
            await uow.commit()

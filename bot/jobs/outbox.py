"""The outbox worker: delivers queued pushes to each team's PSA, exactly once, across failures and restarts.

A pass claims due items (a claim is a lease: the item's next attempt moves to the end of the lease, so a second
worker or replica skips it, and a worker that dies mid-delivery lets it come back when the lease ends). Each item
is then delivered outside any transaction. Before re-posting a note that may already have landed (any attempt
after the first), the ticket is searched for the note's marker. Retryable failures are rescheduled with
exponential backoff (honouring ``Retry-After``); after the last attempt, or on a failure retrying cannot fix, the
item is marked failed. Every outcome is reported to the session's thread through the inbox, in the same
transaction as the item's new state.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.engine import codec
from bot.engine.audit import delivery_entry
from bot.engine.events import Actor, ConversationRef, DeliveryReported, DeliveryState
from bot.engine.maintenance.records import PSA_TICKET
from bot.engine.model import OutboxItem
from bot.engine.ports import Clock, UnitOfWorkFactory
from bot.engine.psa import (
    MemberLink,
    NewNote,
    NewTimeEntry,
    NoteKind,
    Psa,
    PsaDirectory,
    PsaError,
    PsaMember,
    PsaRejectedError,
    PsaUnavailableError,
)
from bot.jobs.loop import WakeableLoop
from bot.jobs.outbox_tickets import open_ticket
from bot.logs import log_context

log = logging.getLogger(__name__)
BOT = "ResolutionFlow"
NO_PSA = "this team has no PSA connected any more"
UNCONFIRMED_TIME = (
    "{error}. The time entry may have been recorded anyway; check the ticket's time entries before pressing Retry"
)
NO_MEMBER = "no {psa} member is mapped to {who}, so the time entry has no one to belong to"


def link_for(user_id: str, member: PsaMember, source: str = "auto") -> MemberLink:
    """The link of a user to a PSA member."""
    return MemberLink(user_id, member.id, member.identifier, member.name, member.email, source)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a push is retried."""

    max_attempts: int = 8
    base_seconds: float = 5.0
    cap_seconds: float = 900.0
    lease_seconds: float = 120.0
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before attempt ``attempt + 1``: exponential with jitter, never sooner than ``retry_after``."""
        backoff = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        backoff *= 1 + random.uniform(-self.jitter, self.jitter)
        return float(max(backoff, retry_after or 0.0))


class OutboxWorker:
    """Delivers ``psa.note``, ``psa.time`` and ``psa.status`` items; runs beside the inbox worker."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        psa: PsaDirectory,
        clock: Clock,
        wake_inbox: Callable[[], None],
        *,
        policy: RetryPolicy | None = None,
        poll_seconds: float = 2.0,
        batch: int = 10,
        observe: Callable[[str, str], None] | None = None,
    ) -> None:
        """``observe(kind, state)`` hears how each attempt ended (``delivered``, ``retrying``, ``failed``)."""
        self._uow_factory = uow_factory
        self._psa = psa
        self._clock = clock
        self._wake_inbox = wake_inbox
        self.policy = policy or RetryPolicy()
        self._batch = batch
        self._observe = observe
        self._loop = WakeableLoop("outbox-worker", self._drain_all, poll_seconds)

    def wake(self) -> None:
        """Something may be due."""
        self._loop.wake()

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop after the delivery in hand (an interrupted one comes back when its lease ends)."""
        await self._loop.stop()

    async def _drain_all(self) -> None:
        while await self.drain_once():
            pass

    async def drain_once(self) -> int:
        """Claim and deliver what is due now; returns how many items were tried."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            lease = now + timedelta(seconds=self.policy.lease_seconds)
            items = list(await uow.outbox.claim_due(now, lease, self._batch))
            await uow.commit()
        for item in items:
            await self._deliver(item)
        return len(items)

    async def _deliver(self, item: OutboxItem) -> None:
        with log_context(team_id=item.team_id, session_id=str(item.payload.get("session_id", ""))):
            await self._deliver_bound(item)

    async def _deliver_bound(self, item: OutboxItem) -> None:
        psa = await self._psa.for_team(item.team_id)
        try:
            if psa is None:
                raise PsaRejectedError(NO_PSA)
            result, shown = await self._apply(psa, item)
        except PsaUnavailableError as err:
            if err.ambiguous and item.kind == "psa.time":  # no marker to look for: let the engineer check first
                await self._finish(item, DeliveryState.FAILED, error=UNCONFIRMED_TIME.format(error=err.message))
            elif item.attempts >= self.policy.max_attempts:
                await self._finish(item, DeliveryState.FAILED, error=err.message)
            else:
                delay = self.policy.delay(item.attempts, err.retry_after)
                await self._finish(item, DeliveryState.RETRYING, error=err.message, retry_in=delay)
        except PsaError as err:
            await self._finish(item, DeliveryState.FAILED, error=err.message)
        except Exception as err:  # a bug or an unexpected answer: keep the item, retry later, log the details
            log.exception("outbox item %s (%s) failed", item.id, item.kind)
            message = f"unexpected error ({type(err).__name__})"
            if item.attempts >= self.policy.max_attempts:
                await self._finish(item, DeliveryState.FAILED, error=message)
            else:
                delay = self.policy.delay(item.attempts)
                await self._finish(item, DeliveryState.RETRYING, error=message, retry_in=delay)
        else:
            await self._finish(item, DeliveryState.DELIVERED, result=result, shown=shown)

    async def _apply(self, psa: Psa, item: OutboxItem) -> tuple[dict[str, Any], str]:
        payload = item.payload
        if item.kind == PSA_TICKET:  # a new ticket, not a push to an existing one
            return await open_ticket(psa, item)
        ticket = int(payload["ticket"])
        if item.kind == "psa.note":
            marker = str(payload.get("marker", ""))
            if marker and (item.attempts > 1 or item.last_error):  # an earlier attempt may have landed
                found = await psa.find_note(ticket, marker)
                if found is not None:
                    return {"note_id": found.id, "found_existing": True}, f"note #{found.id}"
            member = await self._member(psa, item)
            note = NewNote(str(payload["text"]), NoteKind(payload["note_kind"]), marker, member)
            posted = await psa.add_note(ticket, note)
            return {"note_id": posted.id}, f"note #{posted.id}"
        if item.kind == "psa.time":
            member = await self._member(psa, item)
            if member is None:
                who = str(payload.get("engineer_name") or "the engineer")
                raise PsaRejectedError(NO_MEMBER.format(psa=self._psa.name_for(item.team_id), who=who))
            started = datetime.fromisoformat(str(payload["started_at"]))
            entry = NewTimeEntry(ticket, member, started, float(payload["hours"]), str(payload.get("notes", "")))
            entry_id = await psa.add_time_entry(entry)
            return {"time_entry_id": entry_id}, f"time entry #{entry_id} ({float(payload['hours']):.2f} hrs)"
        if item.kind == "psa.status":
            after = await psa.update_status(ticket, int(payload["status_id"]))
            return {"status_id": after.status_id, "status": after.status}, f"status “{after.status or after.status_id}”"
        raise PsaRejectedError(f"unknown push kind {item.kind}")

    async def _member(self, psa: Psa, item: OutboxItem) -> int | None:
        """The PSA member the engineer is: their link, else found by e-mail (and linked for next time)."""
        team_id, user_id = item.team_id, str(item.payload.get("engineer_id", ""))
        if not user_id:
            return None
        link = (await self._psa.member_links(team_id)).get(user_id)
        if link is not None:
            return link.member_id
        async with self._uow_factory() as uow:
            user = await uow.users.get(team_id, user_id)
        if user is None or not user.email:
            return None
        found = await psa.find_member(user.email)
        if found is None:
            return None
        await self._psa.save_member_link(team_id, link_for(user_id, found))
        return found.id

    async def _finish(
        self,
        item: OutboxItem,
        state: DeliveryState,
        *,
        result: dict[str, Any] | None = None,
        shown: str = "",
        error: str = "",
        retry_in: float = 0.0,
    ) -> None:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            if state is DeliveryState.DELIVERED:
                await uow.outbox.mark_done(item.id, result or {}, now)
                await uow.audit.add(delivery_entry(item, result or {}, shown, now))
            elif state is DeliveryState.RETRYING:
                await uow.outbox.reschedule(item.id, now + timedelta(seconds=retry_in), error)
            else:
                await uow.outbox.mark_failed(item.id, error)
            reported = self._report(item, state, shown, error, now)
            if reported is not None:
                platform, event = reported
                await uow.inbox.add(item.team_id, event.event_id, platform, codec.encode(event), now)
            await uow.commit()
        if state is DeliveryState.FAILED:
            log.warning("push %s (%s) failed for team %s: %s", item.id, item.kind, item.team_id, error)
        if self._observe is not None:
            self._observe(item.kind, state.value)
        self._wake_inbox()

    @staticmethod
    def _report(
        item: OutboxItem, state: DeliveryState, shown: str, error: str, now: datetime
    ) -> tuple[str, DeliveryReported] | None:
        conversation = item.payload.get("conversation")
        if not isinstance(conversation, dict) or not conversation.get("platform"):
            return None
        ref = ConversationRef.from_dict(conversation)
        event = DeliveryReported(
            team_id=item.team_id,
            actor=Actor(ref.platform, "", BOT),
            conversation=ref,
            at=now,
            event_id=f"outbox:{item.id}:{state.value}:{item.attempts}",
            session_id=str(item.payload.get("session_id", "")),
            outbox_id=item.id,
            state=state,
            label=str(item.payload.get("label", "Push")),
            target=str(item.payload.get("target", "")),
            result=shown,
            error=error,
            attempt=item.attempts,
        )
        return ref.platform, event

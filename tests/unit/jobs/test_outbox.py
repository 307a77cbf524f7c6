"""The outbox worker end to end over the in-memory store: resolve queues the ticket pushes, the worker delivers them
to an in-memory PSA (our port), and each outcome comes back to the session's thread through the inbox worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bot.engine.engine import Engine
from bot.engine.events import Actor, InboundEvent
from bot.engine.model import TimelineKind
from bot.engine.psa import NoteKind, PsaAuthError, PsaMember, PsaTicket, PsaUnavailableError
from bot.engine.replies import Post, Reply, Update, View
from bot.flows.model import FlowStatus
from bot.jobs.outbox import OutboxWorker, RetryPolicy
from bot.jobs.worker import InboxWorker
from tests.fakes.chat import Chat
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.conftest import VPN

TICKET = PsaTicket(4242, "VPN drops every hour", company="Contoso Dental")


@dataclass
class Thread:
    """Records what the inbox worker delivers, keyed by message ref (as a chat platform would show it)."""

    messages: dict[str, View] = field(default_factory=dict)
    batches: list[Sequence[Reply]] = field(default_factory=list)

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        self.batches.append(replies)
        for reply in replies:
            if isinstance(reply, (Post, Update)) and reply.ref:
                self.messages[reply.ref] = reply.view
        return []

    def status_lines(self) -> list[str]:
        return [v.fallback for ref, v in self.messages.items() if ref.startswith("push:")]


@dataclass
class Rig:
    db: MemoryDatabase
    clock: FakeClock
    psa: MemoryPsa
    chat: Chat
    outbox: OutboxWorker
    inbox: InboxWorker
    thread: Thread

    async def run(self) -> None:
        """Let both workers finish what is due now."""
        while await self.outbox.drain_once():
            await self.inbox.drain_once()
        await self.inbox.drain_once()


@pytest.fixture
async def rig() -> Rig:
    db, clock = MemoryDatabase(), FakeClock()
    team_id = await Engine(db, clock, SequentialIds()).ensure_team("acme")
    async with db() as uow:
        await uow.flows.save(None, VPN, VPN.key, FlowStatus.PUBLISHED)
        await uow.commit()
    psa = MemoryPsa(tickets={TICKET.id: TICKET}, members=[PsaMember(7, "alice", "Alice", "alice@example.invalid")])
    engine = Engine(db, clock, SequentialIds(), psa=MemoryPsaDirectory({team_id: psa}))
    thread = Thread()
    inbox = InboxWorker(db, engine, {"test": thread})
    policy = RetryPolicy(max_attempts=3, base_seconds=10, jitter=0)
    outbox = OutboxWorker(db, MemoryPsaDirectory({team_id: psa}), clock, inbox.wake, policy=policy)
    return Rig(db, clock, psa, Chat(engine, team_id, clock, "alice"), outbox, inbox, thread)


async def resolve(chat: Chat, clock: FakeClock) -> None:
    await chat.say("/start vpn-test #4242")
    clock.advance(minutes=20)
    await chat.click("Yes")
    await chat.click("Done")
    await chat.click("Yes")
    await chat.click("This fixed it")
    await chat.submit()


async def test_resolution_note_and_documentation_land_once_and_the_thread_says_so(rig: Rig) -> None:
    await resolve(rig.chat, rig.clock)
    assert "Resolution note queued for ticket #4242" in rig.chat.text()
    await rig.run()
    notes = rig.psa.notes[TICKET.id]
    assert [n.kind for n in notes] == [NoteKind.RESOLUTION, NoteKind.INTERNAL]
    resolution = notes[0].text
    for section in ("Problem", "What we confirmed", "Root cause", "Resolution", "Restarted the VPN client service."):
        assert section in resolution
    assert all(n.author == "7" for n in notes), "attributed to the member mapped by e-mail"
    lines = rig.thread.status_lines()
    assert len(lines) == 2 and all("posted to ticket #4242 as note #" in line for line in lines)
    kinds = [e.kind for e in rig.db.state.timeline if e.kind is TimelineKind.PSA_PUSHED]
    assert len(kinds) == 2
    audit = [(e.action, e.actor_name, e.target) for e in rig.db.state.audit]
    assert audit == [("psa.note_posted", "Alice", "ticket #4242")] * 2, "each outside write is in the audit log"
    await rig.run()
    assert len(rig.psa.notes[TICKET.id]) == 2, "nothing is posted twice"
    assert len(rig.db.state.audit) == 2


async def test_an_outage_is_retried_with_backoff_then_delivered(rig: Rig) -> None:
    await resolve(rig.chat, rig.clock)
    rig.psa.fail_with = PsaUnavailableError("ConnectWise answered 503")
    await rig.run()
    assert all("trying again shortly" in line for line in rig.thread.status_lines())
    assert TICKET.id not in rig.psa.notes
    rig.psa.fail_with = None
    await rig.run()
    assert TICKET.id not in rig.psa.notes, "not due yet"
    rig.clock.advance(seconds=11)
    await rig.run()
    assert len(rig.psa.notes[TICKET.id]) == 2


async def test_a_lost_answer_is_not_posted_twice(rig: Rig) -> None:
    await resolve(rig.chat, rig.clock)
    rig.psa.lose_replies = 1  # the first note is stored but its answer never arrives
    await rig.run()
    rig.clock.advance(minutes=5)
    await rig.run()
    texts = [n.text for n in rig.psa.notes[TICKET.id]]
    assert len(texts) == 2 and texts[0] != texts[1]
    assert all("posted to ticket #4242" in line for line in rig.thread.status_lines())


async def test_after_the_last_attempt_it_fails_visibly_and_retry_brings_it_back(rig: Rig) -> None:
    await resolve(rig.chat, rig.clock)
    rig.psa.fail_with = PsaUnavailableError("ConnectWise answered 503")
    for _ in range(4):
        await rig.run()
        rig.clock.advance(minutes=10)
    lines = rig.thread.status_lines()
    assert all("could not be posted to ticket #4242: ConnectWise answered 503" in line for line in lines)
    assert {o.status for o in rig.db.state.outbox} == {"failed"}
    rig.psa.fail_with = None
    retry = [b for v in rig.thread.messages.values() for blk in v.blocks for b in getattr(blk, "buttons", ())]
    assert [b.label for b in retry] == ["Retry", "Retry"]
    rig.chat.buttons = retry
    await rig.chat.click("Retry", retry[0])
    await rig.run()
    assert len(rig.psa.notes[TICKET.id]) == 1 and {o.status for o in rig.db.state.outbox} == {"done", "failed"}


async def test_refused_keys_fail_at_once_without_retrying(rig: Rig) -> None:
    await resolve(rig.chat, rig.clock)
    rig.psa.fail_with = PsaAuthError("ConnectWise rejected the API keys for company acme.")
    await rig.run()
    assert {o.status for o in rig.db.state.outbox} == {"failed"}
    assert all(o.attempts == 1 for o in rig.db.state.outbox)


async def test_time_entry_and_status_change_follow_team_settings(rig: Rig) -> None:
    async with rig.db() as uow:
        await uow.settings.put(rig.chat.team_id, {"psa_time_entries": True, "cw_resolved_status_id": 31})
        await uow.commit()
    await resolve(rig.chat, rig.clock)
    await rig.run()
    (entry,) = rig.psa.time_entries
    assert entry.member_id == 7 and entry.hours == 0.5 and entry.ticket_id == TICKET.id
    assert rig.psa.tickets[TICKET.id].status_id == 31
    assert len(rig.thread.status_lines()) == 4


async def test_without_a_linked_ticket_the_session_resolves_locally(rig: Rig) -> None:
    await rig.chat.say("/start vpn-test")
    await rig.chat.click("Yes")
    await rig.chat.click("Done")
    await rig.chat.click("Yes")
    await rig.chat.click("This fixed it")
    await rig.chat.submit()
    assert "resolved here only" in rig.chat.text() and rig.db.state.outbox == []


async def test_an_unconfirmed_time_entry_is_not_posted_again_without_the_engineer(rig: Rig) -> None:
    async with rig.db() as uow:
        await uow.settings.put(rig.chat.team_id, {"psa_time_entries": True})
        await uow.commit()
    await resolve(rig.chat, rig.clock)
    rig.psa.lose_time_reply = True
    for _ in range(3):
        await rig.run()
        rig.clock.advance(minutes=10)
    assert len(rig.psa.time_entries) == 1
    assert any("may have been recorded anyway" in line for line in rig.thread.status_lines())


async def test_the_outbox_is_woken_when_a_push_is_queued_not_on_every_click(rig: Rig) -> None:
    wakes: list[int] = []
    rig.chat.engine.wake_outbox = lambda: wakes.append(len(rig.db.state.outbox))
    await rig.chat.say("/start vpn-test #4242")
    await rig.chat.click("Yes")
    assert wakes == [], "nothing was queued for the ticket"
    await rig.chat.click("Done")
    await rig.chat.click("Yes")
    await rig.chat.click("This fixed it")
    await rig.chat.submit()
    assert wakes == [2], "once, after the commit that queued both notes"
    rig.psa.fail_with = PsaAuthError("ConnectWise rejected the API keys for company acme.")
    await rig.run()
    rig.psa.fail_with = None
    retry = [b for v in rig.thread.messages.values() for blk in v.blocks for b in getattr(blk, "buttons", ())]
    rig.chat.buttons = retry
    await rig.chat.click("Retry", retry[0])
    assert wakes == [2, 2], "a Retry wakes it too"

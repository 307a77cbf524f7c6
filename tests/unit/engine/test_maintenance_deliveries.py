"""A maintenance run's summary in the PSA, shown in the run's thread: a queued status line under the summary, redrawn
as posted or failed when the outbox worker reports; a failed one has a Retry (engineers and team admins, not viewers)
that queues it again through the session pushes' mechanism."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.engine.events import ActionId, Actor, ConversationRef, DeliveryReported, DeliveryState, InboundEvent
from bot.engine.model import Role
from bot.engine.psa import PsaUnavailableError
from bot.engine.replies import Buttons, Post, Reply, Update, View
from bot.engine.scheduled import SCHEDULER_ACTOR
from bot.jobs.outbox import OutboxWorker, RetryPolicy
from bot.jobs.worker import InboxWorker
from tests.fakes.chat import view_text
from tests.unit.engine.maintenance_world import RUN_THREAD, World, buttons_of, shown, world

TUESDAY_22 = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


@dataclass
class Thread:
    """What the inbox worker delivers to the chat, by message ref (as the platform would show it)."""

    messages: dict[str, tuple[str, View]] = field(default_factory=dict)

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        for reply in replies:
            if isinstance(reply, Post | Update) and reply.ref:
                self.messages[reply.ref] = (reply.conversation.thread, reply.view)
        return []


async def finished(w: World, flow: str) -> tuple[list[Reply], Thread, OutboxWorker, InboxWorker]:
    """``flow`` scheduled, fired and finished by Carol (Mark all OK, Skip target) in the run's thread."""
    alice = w.person("alice")
    await alice.say(f"/schedule add {flow}")
    w.clock.current = TUESDAY_22
    fired = await w.fire(await w.schedule(flow), TUESDAY_22)
    await w.open_thread(w.run().id)
    carol = w.person("carol", RUN_THREAD)
    shown(carol, fired)
    await carol.click("Mark all OK", buttons_of(fired, "Mark all OK")[0])
    await carol.click("Skip target", buttons_of(fired, "Skip target")[1])
    thread = Thread()
    inbox = InboxWorker(w.db, w.engine, {"test": thread})
    policy = RetryPolicy(max_attempts=1, base_seconds=10, jitter=0)
    outbox = OutboxWorker(w.db, w.directory, w.clock, inbox.wake, policy=policy)
    return carol.last, thread, outbox, inbox


async def drain(outbox: OutboxWorker, inbox: InboxWorker) -> None:
    while await outbox.drain_once():
        await inbox.drain_once()
    await inbox.drain_once()


async def test_the_summary_note_gets_a_status_line_that_says_when_it_landed() -> None:
    w = await world()
    last, thread, outbox, inbox = await finished(w, "patch-linked")
    run = w.run()
    ref = f"push:{run.outbox_id}"
    lines = [r for r in last if isinstance(r, Post) and r.ref == ref]
    assert len(lines) == 1 and lines[0].conversation.thread == RUN_THREAD
    assert "Maintenance summary" in view_text(lines[0].view) and "ticket #4711" in view_text(lines[0].view)
    summary_at = next(i for i, r in enumerate(last) if isinstance(r, Post) and r.ref.endswith(":summary"))
    assert summary_at < last.index(lines[0])  # the line sits under the summary
    await drain(outbox, inbox)
    (note,) = w.psa.notes[4711]
    assert note.text.startswith("Maintenance run: Patch linked")
    where, view = thread.messages[ref]
    assert where == RUN_THREAD and "✅" in view_text(view) and "ticket #4711" in view_text(view)
    assert not [b for b in view.blocks if isinstance(b, Buttons)]


async def test_a_failed_board_ticket_has_a_retry_that_engineers_can_press_and_viewers_cannot() -> None:
    w = await world(board="Maintenance")
    w.psa.fail_with = PsaUnavailableError("ConnectWise did not answer", ambiguous=True)
    _, thread, outbox, inbox = await finished(w, "patch-run")
    run = w.run()
    ref = f"push:{run.outbox_id}"
    await drain(outbox, inbox)
    _, view = thread.messages[ref]
    assert "❌" in view_text(view) and "look on the board “Maintenance”" in view_text(view)
    (retry,) = [b for blk in view.blocks if isinstance(blk, Buttons) for b in blk.buttons]
    assert retry.action is ActionId.RUN_RETRY_PUSH and retry.session_id == run.id and retry.value == run.outbox_id

    vera = w.person("vera", RUN_THREAD)
    await vera.say("/list")  # vera joins the team
    await w.set_role("vera", Role.VIEWER)
    await vera.click("Retry", retry)
    assert "iewer" in vera.text()
    assert [o.status for o in w.db.state.outbox] == ["failed"]

    w.psa.fail_with = None
    dave = w.person("dave", RUN_THREAD)
    replies = await dave.click("Retry", retry)
    requeued = [r for r in replies if isinstance(r, Update) and r.ref == ref]
    assert len(requeued) == 1 and "⏳" in view_text(requeued[0].view)
    assert [o.status for o in w.db.state.outbox] == ["pending"]
    await drain(outbox, inbox)
    (ticket,) = [t for number, t in w.psa.tickets.items() if number != 4711]
    assert ticket.board == "Maintenance"
    _, view = thread.messages[ref]
    assert "✅" in view_text(view) and f"ticket #{ticket.id}" in view_text(view)

    await dave.click("Retry", retry)  # pressed again on the old line: it is no longer a failed push
    assert "not waiting for a retry" in dave.text() and [o.status for o in w.db.state.outbox] == ["done"]


async def test_a_retry_names_only_its_own_runs_item_and_reports_for_other_items_change_nothing() -> None:
    w = await world(board="Maintenance")
    w.psa.fail_with = PsaUnavailableError("ConnectWise did not answer", ambiguous=True)
    _, thread, outbox, inbox = await finished(w, "patch-run")
    await drain(outbox, inbox)
    run = w.run()
    view = thread.messages[f"push:{run.outbox_id}"][1]
    (retry,) = [b for blk in view.blocks if isinstance(blk, Buttons) for b in blk.buttons]
    dave = w.person("dave", RUN_THREAD)
    await dave.click("Retry", dataclasses.replace(retry, session_id="no-such-run"))
    assert "no longer exists" in dave.text()
    await dave.click("Retry", dataclasses.replace(retry, value="another-item"))
    assert "not waiting for a retry" in dave.text()
    assert [o.status for o in w.db.state.outbox] == ["failed"]
    report = DeliveryReported(
        team_id=w.team_id,
        actor=SCHEDULER_ACTOR,
        conversation=ConversationRef("test", "C-OPS", RUN_THREAD),
        at=w.clock.now(),
        event_id="report:other",
        session_id=run.id,
        outbox_id="another-item",
        state=DeliveryState.DELIVERED,
        label="Something else",
    )
    assert await w.engine.handle(report) == []

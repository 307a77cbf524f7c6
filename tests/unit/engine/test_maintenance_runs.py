"""Maintenance runs in the engine: a fire posts the run card; checklists, Mark all OK and Skip target record results;
completion and the deadline each end a run once, with one summary and one queued ticket note; a fire handed over
twice creates nothing; two clicks racing both keep their results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine.events import ActionId
from bot.engine.maintenance.records import RunStatus, StepOutcome, TargetStatus, deadline_key
from bot.engine.model import Role
from bot.engine.replies import OpenForm, Post, Update
from tests.unit.engine.maintenance_world import (
    CHANNEL,
    RUN_THREAD,
    World,
    buttons_of,
    shown,
    texts,
    world,
)

TUESDAY_22 = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


async def started(w: World, flow: str = "patch-run") -> list:
    """Alice schedules ``flow`` in the ops channel and it fires on Tuesday 22:00; the card opens its thread."""
    alice = w.person("alice")
    await alice.say(f"/schedule add {flow}")
    assert "Scheduled" in alice.text(), alice.text()
    w.clock.current = TUESDAY_22
    replies = await w.fire(await w.schedule(flow), TUESDAY_22)
    await w.open_thread(w.run().id)
    return replies


async def test_a_fire_posts_the_run_card_with_a_section_and_buttons_per_target() -> None:
    w = await world()
    replies = await started(w)
    (card,) = replies
    assert isinstance(card, Post) and card.root and card.conversation.channel == CHANNEL
    run = w.run()
    assert card.session_id == run.id and card.ref == f"run:{run.id}:card"
    words = texts(replies)
    assert "Patch run — maintenance run" in words and "0/2 targets complete" in words
    assert "FS01" in words and "file server" in words and "DC01" in words
    assert "Deadline: 2026-12-02 02:00 UTC" in words  # the flow's 4h
    assert len(buttons_of(replies, "Open checklist")) == 2 and len(buttons_of(replies, "Mark all OK")) == 2
    assert run.conversation["thread"] == RUN_THREAD and run.status is RunStatus.RUNNING
    deadline = await w.book.by_key(w.team_id, deadline_key(run.id))
    assert deadline is not None and deadline.run_at == TUESDAY_22 + timedelta(hours=4)


async def test_the_same_fire_handed_over_twice_creates_one_run() -> None:
    w = await world()
    await started(w)
    again = await w.fire(await w.schedule("patch-run"), TUESDAY_22)
    assert again == [] and len(w.runs()) == 1
    await w.fire(await w.schedule("patch-run"), TUESDAY_22 + timedelta(days=7))
    assert len(w.runs()) == 2  # the next week's fire is a run of its own


async def test_checklist_steps_values_and_issues_update_the_target() -> None:
    w = await world()
    replies = await started(w)
    bob = w.person("bob", RUN_THREAD)
    run = w.run()
    await bob.click("Open checklist", buttons_of(replies, "Open checklist")[0])
    (checklist,) = [r for r in bob.last if isinstance(r, Post)]
    assert checklist.conversation.thread == RUN_THREAD and checklist.ref == f"run:{run.id}:target:0"
    assert "Checklist · FS01" in texts(bob.last) and "0/2 steps" in texts(bob.last)
    await bob.click("OK")
    assert "1/2 steps" in texts(bob.last)
    updated = {r.ref for r in bob.last if isinstance(r, Update)}
    assert updated == {f"run:{run.id}:target:0", f"run:{run.id}:card"}
    await bob.click("Stopped services")
    (form,) = [r for r in bob.last if isinstance(r, OpenForm)]
    assert form.session_id == run.id and form.inputs[0].name == "0:svc"
    await bob.submit(**{"0:svc": "   "})
    assert "enter a value" in bob.text() and "svc" not in w.run().targets[0].steps
    await bob.submit(**{"0:svc": "none"})
    target = w.run().targets[0]
    assert target.status is TargetStatus.OK and target.steps["svc"].value == "none" and target.by == "Bob"
    assert "1/2 targets complete" in texts(bob.last)
    await bob.click("Open checklist", buttons_of(replies, "Open checklist")[1])
    await bob.click("Issue", buttons_of(bob.last, "Issue")[0])  # the first step's
    await bob.submit(**{"1:snap": "Hypervisor refused the snapshot: datastore full"})
    step_skips = [b for b in buttons_of(bob.last, "Skip") if b.action is ActionId.RUN_STEP]
    await bob.click("Skip", step_skips[-1])  # the last step's Skip (not the card's Skip target)
    dc01 = w.run().targets[1]
    assert dc01.status is TargetStatus.ISSUES
    assert dc01.steps["snap"].outcome is StepOutcome.ISSUE and dc01.steps["svc"].outcome is StepOutcome.SKIPPED
    assert w.run().status is RunStatus.COMPLETED  # the last target finished the run
    assert "Hypervisor refused the snapshot: datastore full (Bob)" in bob.text()


async def test_mark_all_ok_and_skip_complete_the_run_once_with_one_note_on_the_linked_ticket() -> None:
    w = await world()
    replies = await started(w, "patch-linked")
    carol = w.person("carol", RUN_THREAD)
    shown(carol, replies)
    await carol.click("Mark all OK", buttons_of(replies, "Mark all OK")[0])
    assert w.run().targets[0].status is TargetStatus.OK and w.run().status is RunStatus.RUNNING
    await carol.click("Skip target", buttons_of(replies, "Skip target")[1])
    run = w.run()
    assert run.status is RunStatus.COMPLETED and run.targets[1].status is TargetStatus.SKIPPED
    words = carol.text()
    assert "Patch linked — run summary" in words and "All 2 targets done" in words
    assert "FS01: OK — Carol" in words and "DC01: SKIPPED — Carol" in words
    assert "queued as a note on ticket #4711" in words
    (note,) = w.db.state.outbox
    assert note.kind == "psa.note" and note.payload["ticket"] == 4711
    assert note.idempotency_key == f"maintenance:{run.id}"
    assert "FS01: OK" in note.payload["text"] and run.outbox_id == note.id
    summaries = [r for r in carol.last if isinstance(r, Post) and r.ref.endswith(":summary")]
    assert len(summaries) == 1 and summaries[0].conversation.thread == RUN_THREAD
    assert await w.book.by_key(w.team_id, deadline_key(run.id)) is None  # nothing left for the deadline to do
    await carol.click("Mark all OK", buttons_of(replies, "Mark all OK")[1])  # a stale button on the old card
    assert "completed" in carol.text() and len(w.db.state.outbox) == 1


async def test_the_deadline_expires_the_run_once_and_opens_a_ticket_on_the_maintenance_board() -> None:
    w = await world(board="Maintenance")
    replies = await started(w)
    dave = w.person("dave", RUN_THREAD)
    shown(dave, replies)
    await dave.click("Mark all OK", buttons_of(replies, "Mark all OK")[0])
    run = w.run()
    deadline = await w.book.by_key(w.team_id, deadline_key(run.id))
    assert deadline is not None and deadline.run_at is not None
    w.clock.current = deadline.run_at
    expired = await w.actions.handle(_fired(deadline, deadline.run_at))
    run = w.run()
    assert run.status is RunStatus.EXPIRED and run.finished_at == deadline.run_at
    words = texts(expired)
    assert "reached its deadline after 4 h 00 min: 1/2 targets done" in words
    assert "DC01: NOT DONE" in words and "new ticket on the ConnectWise board “Maintenance”" in words
    (item,) = w.db.state.outbox
    assert item.kind == "psa.ticket" and item.payload["board"] == "Maintenance"
    assert item.payload["company"] == "acme-msp", "the team's maintenance company is named on the new ticket"
    assert item.payload["summary"].startswith("Maintenance: Patch run —")
    assert await w.actions.handle(_fired(deadline, deadline.run_at)) == []  # handed over again: nothing
    assert len(w.db.state.outbox) == 1
    await dave.click("Skip target", buttons_of(replies, "Skip target")[1])
    assert "expired" in dave.text() and w.run().targets[1].status is TargetStatus.PENDING


def _fired(schedule, at):  # type: ignore[no-untyped-def]
    from bot.engine.scheduled import fired_event

    return fired_event(schedule, at, f"fire:{schedule.id}:{at.isoformat()}")


async def test_without_a_psa_or_a_ticket_the_summary_says_why_nothing_was_noted() -> None:
    w = await world(psa=False)
    replies = await started(w, "patch-linked")
    erin = w.person("erin", RUN_THREAD)
    for index in (0, 1):
        await erin.click("Mark all OK", buttons_of(replies, "Mark all OK")[index])
    assert "no PSA connected" in erin.text() and w.db.state.outbox == []
    w2 = await world()  # a PSA, but no ticket on the flow and no board
    replies = await started(w2)
    frank = w2.person("frank", RUN_THREAD)
    for index in (0, 1):
        await frank.click("Skip target", buttons_of(replies, "Skip target")[index])
    assert "links no ticket" in frank.text() and w2.db.state.outbox == []


async def test_two_engineers_clicking_at_once_both_keep_their_results() -> None:
    w = await world()
    replies = await started(w)
    gina, hal = w.person("gina", RUN_THREAD), w.person("hal", RUN_THREAD)

    async def hal_clicks_first() -> None:  # hal's click commits while gina's is between reading and saving
        await hal.click("Mark all OK", buttons_of(replies, "Mark all OK")[1])

    w.db.before_save = hal_clicks_first  # type: ignore[attr-defined]
    await gina.click("Mark all OK", buttons_of(replies, "Mark all OK")[0])
    run = w.run()
    assert [t.status for t in run.targets] == [TargetStatus.OK, TargetStatus.OK]
    assert [t.by for t in run.targets] == ["Gina", "Hal"]
    assert run.status is RunStatus.COMPLETED and "All 2 targets done" in gina.text()


async def test_viewers_cannot_act_on_a_run() -> None:
    w = await world()
    replies = await started(w)
    ivy = w.person("ivy", RUN_THREAD)
    await ivy.say("/list")  # ivy joins the team
    await w.set_role("ivy", Role.VIEWER)
    await ivy.click("Mark all OK", buttons_of(replies, "Mark all OK")[0])
    assert "iewer" in ivy.text() and w.run().targets[0].status is TargetStatus.PENDING


async def test_a_run_started_by_hand_and_a_flow_removed_before_its_fire() -> None:
    w = await world()
    alice = w.person("alice")
    await alice.say("/schedule run patch-run")
    (card,) = [r for r in alice.last if isinstance(r, Post)]
    assert card.root and "0/2 targets complete" in texts(alice.last)
    run = w.run()
    assert run.schedule_id == "" and run.started_by == "Alice"
    await alice.say("/schedule add patch-run")
    schedule = await w.schedule("patch-run")
    schedule.payload = {"flow": "gone-flow"}
    assert "no longer exists" in texts(await w.fire(schedule, TUESDAY_22)) and len(w.runs()) == 1

"""The intake's one-statement inbox append: deduplicated, committed on its own, used by ``Intake`` when offered."""

from __future__ import annotations

from bot.engine import codec
from bot.engine.events import Actor, CommandIssued, ConversationRef
from bot.engine.model import InboxItem
from bot.jobs.intake import InboxAppender, Intake
from bot.store.database import Database
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B


async def test_add_to_inbox_dedupes_per_team_and_commits_by_itself(seeded: Database) -> None:
    assert isinstance(seeded.uow, InboxAppender)
    assert await seeded.uow.add_to_inbox(TEAM_A, "evt-1", "slack", {"x": 1}, NOW) is True
    assert await seeded.uow.add_to_inbox(TEAM_A, "evt-1", "slack", {"x": 2}, NOW) is False
    assert await seeded.uow.add_to_inbox(TEAM_B, "evt-1", "slack", {"x": 3}, NOW) is True
    async with seeded.uow() as uow:
        pending = await uow.inbox.pending()
    assert [(i.team_id, i.dedupe_key, i.kind, i.payload, i.attempts) for i in pending] == [
        (TEAM_A, "evt-1", "slack", {"x": 1}, 0),
        (TEAM_B, "evt-1", "slack", {"x": 3}, 0),
    ]
    assert all(i.received_at == NOW for i in pending)


async def test_intake_over_the_sql_store_writes_once_and_wakes_once(seeded: Database) -> None:
    woken: list[None] = []
    intake = Intake(seeded.uow, _Ids(), lambda: NOW, lambda: woken.append(None))
    event = CommandIssued(
        team_id=TEAM_A,
        actor=Actor("slack", "U1", "Alice"),
        conversation=ConversationRef("slack", "C1", ""),
        at=NOW,
        name="help",
        event_id="slack:cmd:1",
    )
    assert await intake.accept("slack", event) is True
    assert await intake.accept("slack", event) is False  # a redelivery: accepted, nothing written
    async with seeded.uow() as uow:
        (item,) = await uow.inbox.pending()
    assert (item.dedupe_key, item.payload["name"]) == ("slack:cmd:1", "help")
    assert len(woken) == 1


class _Ids:
    def new(self) -> str:
        return "id-1"


async def test_append_to_inbox_returns_the_new_row_s_id(seeded: Database) -> None:
    first = await seeded.uow.append_to_inbox(TEAM_A, "evt-9", "slack", {"x": 1}, NOW)
    assert isinstance(first, int)
    assert await seeded.uow.append_to_inbox(TEAM_A, "evt-9", "slack", {"x": 2}, NOW) is None
    async with seeded.uow() as uow:
        (item,) = await uow.inbox.pending()
    assert item.id == first


async def test_intake_hands_the_committed_row_to_the_worker_as_it_would_be_read(seeded: Database) -> None:
    woken: list[None] = []
    handed: list[InboxItem] = []
    intake = Intake(seeded.uow, _Ids(), lambda: NOW, lambda: woken.append(None), hand_over=handed.append)
    event = CommandIssued(
        team_id=TEAM_A,
        actor=Actor("slack", "U1", "Alice"),
        conversation=ConversationRef("slack", "C1", "", {"trigger_id": "t.1"}),
        at=NOW,
        name="start",
        args="vpn",
        event_id="slack:cmd:2",
    )
    assert await intake.accept("slack", event) is True
    assert await intake.accept("slack", event) is False  # a redelivery: nothing written, nothing handed over
    async with seeded.uow() as uow:
        (stored,) = await uow.inbox.pending()
    assert handed == [stored]  # id, team, key, kind, payload and time, exactly as the worker's read returns them
    assert codec.decode(handed[0].payload) == event
    assert woken == []  # handed over: no inbox read needed

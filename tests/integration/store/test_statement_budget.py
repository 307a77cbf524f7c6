"""What the hot paths of a chat event cost in SQL statements: one per repository call on a click's path (the user
comes with their identities, the timeline append takes no separate lock, the session's pinned flow version comes
from the process's cache once read), and one for each intake append and message-ref write or lookup (a location
this process wrote or read before is remembered: no statement)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.engine.message_refs import MessageLocation
from bot.flows.loader import dump_flow
from bot.flows.model import FlowStatus
from bot.store.database import Database
from bot.store.message_refs import SqlMessageRefs
from tests.integration.store.builders import NOW, SESSION, TEAM_A, entry, flow


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement sent through ``database``'s engine inside the block (first word, upper case)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    sync: Engine = database.engine.sync_engine
    event.listen(sync, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", record)


async def test_a_click_s_repository_calls_are_one_statement_each(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.flows.save(None, flow(), dump_flow(flow()), FlowStatus.PUBLISHED)
        await uow.commit()
    assert await seeded.uow.add_to_inbox(TEAM_A, "evt-1", "slack", {}, NOW)
    async with seeded.uow() as uow:
        (item,) = await uow.inbox.pending()
        await uow.flows.get(TEAM_A, "demo", 1)  # read and parsed once, then answered from the cache
        with statements(seeded) as seen:
            user = await uow.users.by_identity(TEAM_A, "slack", "U1")  # the user and all their identities
            session = await uow.sessions.get(TEAM_A, SESSION)
            assert await uow.flows.get(TEAM_A, "demo", 1) is not None
            await uow.sessions.append_timeline(entry(1))
            assert user is not None and session is not None
            session.bump(NOW + timedelta(minutes=1))
            await uow.sessions.save(session, expected_version=0)
            assert await uow.inbox.mark_processed(item.id, NOW)
        await uow.commit()
    assert seen == ["SELECT", "SELECT", "INSERT", "UPDATE", "UPDATE"]
    assert user.identities == {"console": "alice", "slack": "U1"}


async def test_intake_and_message_refs_send_one_statement_each(seeded: Database) -> None:
    refs = SqlMessageRefs(seeded.engine)
    with statements(seeded) as seen:
        await seeded.uow.append_to_inbox(TEAM_A, "evt-2", "slack", {"n": 2}, NOW)
        await refs.put(TEAM_A, "slack", "s-1:card", MessageLocation("C1", "1.1"))
        assert await refs.get(TEAM_A, "slack", "s-1:card") == MessageLocation("C1", "1.1")  # remembered
        assert await SqlMessageRefs(seeded.engine).get(TEAM_A, "slack", "s-1:card") == MessageLocation("C1", "1.1")
    assert seen == ["INSERT", "INSERT", "SELECT"]


async def test_a_team_s_own_version_replaces_a_cached_pinned_public_one(seeded: Database) -> None:
    public = flow()
    async with seeded.uow() as uow:
        await uow.flows.save(None, public, dump_flow(public), FlowStatus.PUBLISHED)
        await uow.commit()
    async with seeded.uow() as uow:
        cached = await uow.flows.get(TEAM_A, "demo", 1)
        assert cached is not None and cached.name == public.name
    own = flow(name="Our own demo")
    async with seeded.uow() as uow:
        await uow.flows.save(TEAM_A, own, dump_flow(own), FlowStatus.PUBLISHED)
        await uow.commit()
    async with seeded.uow() as uow:
        mine = await uow.flows.get(TEAM_A, "demo", 1)
        assert mine is not None and mine.name == "Our own demo", "the save in this process forgot the cached answer"
        other = await uow.flows.get("another-team", "demo", 1)
        assert other is not None and other.name == public.name

"""Every repository against real SQLite and PostgreSQL: round trips, tenancy, concurrency, dedupe, versions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.engine.model import (
    Fact,
    FactSource,
    FixStatus,
    FlowFrame,
    Note,
    NoteKind,
    OutboxItem,
    Role,
    Session,
    SessionStatus,
    SuggestedFix,
    TaskLaneItem,
    Team,
    TicketLink,
    TimelineEntry,
    TimelineKind,
    User,
)
from bot.engine.ports import StaleSessionError
from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType, Option
from bot.store.database import Database

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
FLOW = Flow(
    key="demo",
    name="Demo",
    kind=FlowKind.TROUBLESHOOTING,
    start="q",
    nodes=(
        Node("q", NodeType.DECISION, question="Works?", options=(Option("Yes", "ok"), Option("No", "ok2"))),
        Node("ok", NodeType.SOLUTION, resolution="Fine."),
        Node("ok2", NodeType.SOLUTION, resolution="Fixed."),
    ),
)


async def seed(db: Database) -> tuple[str, str, str]:
    """Two teams, a user in team A, a session in team A."""
    async with db.uow() as uow:
        await uow.teams.add(Team("team-a", "A", NOW))
        await uow.teams.add(Team("team-b", "B", NOW))
        await uow.users.add(
            User(
                "user-a",
                "team-a",
                "Alice",
                Role.ENGINEER,
                "alice@example.invalid",
                {"slack": "U1", "console": "alice"},
                NOW,
            )
        )
        await uow.sessions.add(session("s-1"))
        await uow.commit()
    return "team-a", "user-a", "s-1"


def session(sid: str, team: str = "team-a") -> Session:
    return Session(
        id=sid,
        team_id=team,
        engineer_id="user-a",
        conversation={"platform": "slack", "channel": "C"},
        conversation_key="slack:C:T",
        started_at=NOW,
        updated_at=NOW,
        flow_key="demo",
        flow_version=1,
        current_node="q",
        ticket=TicketLink("12345", "VPN down", "Contoso"),
        flow_stack=[FlowFrame("parent", 2, "back")],
        variables={"user": "jdoe"},
        pending_task_lane=[TaskLaneItem("item-1", "question", "Which client?", ["A", "B"])],
    )


async def test_session_round_trip_is_lossless(database: Database) -> None:
    await seed(database)
    async with database.uow() as uow:
        loaded = await uow.sessions.get("team-a", "s-1")
    assert loaded == session("s-1")
    assert loaded is not None and loaded.started_at.tzinfo is not None


async def test_team_b_never_sees_team_a(database: Database) -> None:
    await seed(database)
    async with database.uow() as uow:
        await uow.sessions.add_fact(Fact("f1", "team-a", "s-1", "DNS resolves", FactSource.ENGINEER_NOTE, NOW))
        await uow.notes.add(Note("n1", "team-a", "s-1", NoteKind.EXPORT, "md", "body", NOW))
        await uow.flows.save("team-a", FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED)
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.sessions.get("team-b", "s-1") is None
        assert await uow.sessions.facts("team-b", "s-1") == []
        assert await uow.notes.for_session("team-b", "s-1") == []
        assert await uow.sessions.timeline("team-b", "s-1") == []
        assert await uow.flows.get("team-b", "demo") is None
        assert await uow.users.by_identity("team-b", "slack", "U1") is None
        assert await uow.sessions.open_in_conversation("team-b", "slack:C:T") is None
        assert (await uow.flows.get("team-a", "demo")) is not None


async def test_optimistic_concurrency(database: Database) -> None:
    await seed(database)
    async with database.uow() as first, database.uow() as second:
        a = await first.sessions.get("team-a", "s-1")
        b = await second.sessions.get("team-a", "s-1")
        assert a is not None and b is not None
        a.bump(NOW)
        await first.sessions.save(a, 0)
        await first.commit()
        b.bump(NOW)
        with pytest.raises(StaleSessionError):
            await second.sessions.save(b, 0)


async def test_timeline_sequence_under_concurrent_appends(database: Database) -> None:
    await seed(database)

    async def append(n: int) -> None:
        async with database.uow() as uow:
            await uow.sessions.append_timeline(
                TimelineEntry(
                    f"e{n}",
                    "team-a",
                    "s-1",
                    NOW + timedelta(seconds=n),
                    TimelineKind.NOTE,
                    "user-a",
                    "Alice",
                    answer=str(n),
                )
            )
            await uow.commit()

    for n in range(3):
        await append(n)
    if database.url.startswith("postgresql"):
        await asyncio.gather(*(append(n) for n in range(3, 9)))
    async with database.uow() as uow:
        entries = await uow.sessions.timeline("team-a", "s-1")
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))


async def test_inbox_dedupes_without_breaking_the_transaction(database: Database) -> None:
    await seed(database)
    async with database.uow() as uow:
        assert await uow.inbox.add("team-a", "evt-1", "button", {"x": 1}, NOW) is True
        assert await uow.inbox.add("team-a", "evt-1", "button", {"x": 1}, NOW) is False
        assert await uow.inbox.add("team-b", "evt-1", "button", {"x": 1}, NOW) is True
        await uow.settings.put("team-a", {"redact_exports": False})
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.settings.get("team-a") == {"redact_exports": False}
        assert await uow.settings.get("team-b") == {}


async def test_outbox_idempotency_key_is_unique(database: Database) -> None:
    await seed(database)
    item = OutboxItem("o1", "team-a", "psa.add_note", {"n": 1}, "session-doc:s-1", NOW)
    async with database.uow() as uow:
        await uow.outbox.add(item)
        await uow.commit()
    async with database.uow() as uow:
        with pytest.raises(Exception):  # noqa: B017 - IntegrityError of either driver
            await uow.outbox.add(OutboxItem("o2", "team-a", "psa.add_note", {}, "session-doc:s-1", NOW))
    async with database.uow() as uow:
        assert [o.id for o in await uow.outbox.pending()] == ["o1"]


async def test_flow_versions_draft_published_pinned_and_shadowed(database: Database) -> None:
    await seed(database)
    v2 = Flow(key="demo", name="Demo v2", kind=FlowKind.TROUBLESHOOTING, start="q", nodes=FLOW.nodes)
    async with database.uow() as uow:
        assert await uow.flows.save(None, FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED) == 1
        assert await uow.flows.save(None, FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED) == 1  # idempotent
        assert await uow.flows.save(None, v2, dump_flow(v2), FlowStatus.DRAFT) == 2
        await uow.commit()
    async with database.uow() as uow:
        latest = await uow.flows.get("team-a", "demo")
        assert latest is not None and (latest.version, latest.name) == (1, "Demo")
        pinned = await uow.flows.get("team-a", "demo", 2)
        assert pinned is not None and pinned.status is FlowStatus.DRAFT
        assert [f.version for f in await uow.flows.list("team-a", include_drafts=True)] == [2]
        await uow.flows.save("team-a", v2, dump_flow(v2), FlowStatus.PUBLISHED)
        await uow.commit()
    async with database.uow() as uow:
        mine = await uow.flows.get("team-a", "demo")
        theirs = await uow.flows.get("team-b", "demo")
        assert mine is not None and mine.name == "Demo v2"
        assert theirs is not None and theirs.name == "Demo"


async def test_facts_fixes_and_users(database: Database) -> None:
    await seed(database)
    fix = SuggestedFix("x1", "team-a", "s-1", "Flush DNS", NOW, confidence=80, script="ipconfig /flushdns")
    async with database.uow() as uow:
        await uow.sessions.add_fix(fix)
        fix.status, fix.superseded_at = FixStatus.APPLIED_SUCCESS, NOW
        await uow.sessions.update_fix(fix)
        await uow.sessions.add_fact(Fact("f1", "team-a", "s-1", "Gone", FactSource.QUESTION, NOW, deleted_at=NOW))
        await uow.sessions.add_fact(Fact("f2", "team-a", "s-1", "Kept", FactSource.CHECK, NOW, source_ref="item-1"))
        user = await uow.users.by_identity("team-a", "console", "alice")
        assert user is not None
        user.role = Role.TEAM_ADMIN
        user.identities["teams"] = "29:abc"
        await uow.users.update(user)
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.sessions.fixes("team-a", "s-1") == [fix]
        assert [f.text for f in await uow.sessions.facts("team-a", "s-1")] == ["Kept"]
        user = await uow.users.by_identity("team-a", "teams", "29:abc")
        assert user is not None and user.role is Role.TEAM_ADMIN
        mine = await uow.sessions.for_engineer("team-a", "user-a", [SessionStatus.ACTIVE])
        assert [s.id for s in mine] == ["s-1"]

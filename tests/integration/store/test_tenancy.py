"""Team B never reads team A's rows, even knowing their ids."""

from __future__ import annotations

from bot.engine.model import Fact, FactSource, Note, NoteKind, SessionStatus, SuggestedFix
from bot.flows.loader import dump_flow
from bot.flows.model import FlowStatus
from bot.store.database import Database
from tests.integration.store.builders import ALICE, NOW, SESSION, TEAM_A, TEAM_B, entry, flow


async def test_team_b_sees_nothing_of_team_a(seeded: Database) -> None:
    demo = flow()
    async with seeded.uow() as uow:
        await uow.sessions.append_timeline(entry(1))
        await uow.sessions.add_fact(Fact("f1", TEAM_A, SESSION, "DNS resolves", FactSource.ENGINEER_NOTE, NOW))
        await uow.sessions.add_fix(SuggestedFix("x1", TEAM_A, SESSION, "Flush DNS", NOW))
        await uow.notes.add(Note("n1", TEAM_A, SESSION, NoteKind.EXPORT, "md", "body", NOW))
        await uow.flows.save(TEAM_A, demo, dump_flow(demo), FlowStatus.PUBLISHED)
        await uow.settings.put(TEAM_A, {"secret": 1})
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.sessions.get(TEAM_B, SESSION) is None
        assert await uow.sessions.open_in_conversation(TEAM_B, "slack:C1:T1") is None
        assert await uow.sessions.for_engineer(TEAM_B, ALICE, list(SessionStatus)) == []
        assert await uow.sessions.timeline(TEAM_B, SESSION) == []
        assert await uow.sessions.facts(TEAM_B, SESSION) == []
        assert await uow.sessions.fixes(TEAM_B, SESSION) == []
        assert await uow.notes.for_session(TEAM_B, SESSION) == []
        assert await uow.flows.get(TEAM_B, "demo") is None
        assert await uow.flows.get(TEAM_B, "demo", 1) is None
        assert await uow.flows.list(TEAM_B, include_drafts=True) == []
        assert await uow.users.get(TEAM_B, ALICE) is None
        assert await uow.users.by_identity(TEAM_B, "console", "alice") is None
        assert [u.id for u in await uow.users.list(TEAM_B)] == ["user-b"]
        assert await uow.settings.get(TEAM_B) == {}
        # and team A still sees all of it
        assert len(await uow.sessions.timeline(TEAM_A, SESSION)) == 1
        assert await uow.flows.get(TEAM_A, "demo") is not None

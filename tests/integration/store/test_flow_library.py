"""The flow library's storage on PostgreSQL and SQLite: an archived newest version hides a flow from `get` and
`list` (pinned versions stay readable), restoring republishes it, a team's archived copy hides the public flow for
that team only, and `versions` lists the copy the team sees."""

from __future__ import annotations

import dataclasses

from bot.flows.loader import dump_flow
from bot.flows.model import FlowStatus
from bot.store.database import Database
from tests.integration.store.builders import TEAM_A, TEAM_B, flow

V1 = flow("Demo v1")


async def test_archive_restore_and_versions(seeded: Database) -> None:
    archived = dataclasses.replace(V1, status=FlowStatus.ARCHIVED)
    async with seeded.uow() as uow:
        assert await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.PUBLISHED) == 1
        assert await uow.flows.save(TEAM_A, archived, dump_flow(archived), FlowStatus.ARCHIVED) == 1
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.flows.get(TEAM_A, "demo") is None  # the team archived its copy
        assert [f.key for f in await uow.flows.list(TEAM_A)] == []
        listed = await uow.flows.list(TEAM_A, include_drafts=True)
        assert [(f.key, f.status) for f in listed] == [("demo", FlowStatus.ARCHIVED)]
        pinned = await uow.flows.get(TEAM_A, "demo", 1)
        assert pinned is not None and pinned.status is FlowStatus.ARCHIVED
        other = await uow.flows.get(TEAM_B, "demo")
        assert other is not None and other.status is FlowStatus.PUBLISHED  # other teams still see the public one
        versions = await uow.flows.versions(TEAM_A, "demo")
        assert [(v.version, v.status, v.public) for v in versions] == [(1, FlowStatus.ARCHIVED, False)]
        public = await uow.flows.versions(TEAM_B, "demo")
        assert [(v.version, v.status, v.public) for v in public] == [(1, FlowStatus.PUBLISHED, True)]
        assert public[0].created_at.tzinfo is not None
        assert await uow.flows.versions(TEAM_B, "nope") == []
        assert await uow.flows.save(TEAM_A, V1, dump_flow(V1), FlowStatus.PUBLISHED) == 2
        await uow.commit()
    async with seeded.uow() as uow:
        restored = await uow.flows.get(TEAM_A, "demo")
        assert restored is not None and (restored.version, restored.status) == (2, FlowStatus.PUBLISHED)
        assert [f.version for f in await uow.flows.list(TEAM_A)] == [2]

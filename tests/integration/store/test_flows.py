"""Versioned flows: draft vs published, pinned versions, team shadowing, idempotent saves, the parse cache."""

from __future__ import annotations

from bot.flows.loader import dump_flow
from bot.flows.model import FlowStatus, Visibility
from bot.store.database import Database
from tests.integration.store.builders import TEAM_A, TEAM_B, flow

V1, V2, V3 = flow("Demo v1"), flow("Demo v2"), flow("Demo v3")


async def test_versions_drafts_and_pins(seeded: Database) -> None:
    async with seeded.uow() as uow:
        assert await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.PUBLISHED) == 1
        assert await uow.flows.save(None, V2, dump_flow(V2), FlowStatus.DRAFT) == 2
        await uow.commit()
    async with seeded.uow() as uow:
        latest = await uow.flows.get(TEAM_A, "demo")
        assert latest is not None and (latest.name, latest.version, latest.status) == (
            "Demo v1",
            1,
            FlowStatus.PUBLISHED,
        )
        draft = await uow.flows.get(TEAM_A, "demo", 2)
        assert draft is not None and (draft.name, draft.version, draft.status) == ("Demo v2", 2, FlowStatus.DRAFT)
        assert [f.version for f in await uow.flows.list(TEAM_A)] == [1]
        assert [f.version for f in await uow.flows.list(TEAM_A, include_drafts=True)] == [2]
        assert await uow.flows.save(None, V3, dump_flow(V3), FlowStatus.PUBLISHED) == 3
        await uow.commit()
    async with seeded.uow() as uow:
        latest = await uow.flows.get(TEAM_A, "demo")
        pinned = await uow.flows.get(TEAM_A, "demo", 1)
        assert latest is not None and latest.version == 3
        assert pinned is not None and (pinned.name, pinned.version) == ("Demo v1", 1)
        assert await uow.flows.get(TEAM_A, "demo", 9) is None
        assert await uow.flows.get(TEAM_A, "nope") is None


async def test_saving_the_same_source_twice_is_idempotent(seeded: Database) -> None:
    async with seeded.uow() as uow:
        assert await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.DRAFT) == 1
        assert await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.DRAFT) == 1
        assert await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.PUBLISHED) == 2  # status changed
        assert await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.PUBLISHED) == 2
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.PUBLISHED) == 2
        assert await uow.flows.save(TEAM_A, V1, dump_flow(V1), FlowStatus.PUBLISHED) == 1  # a separate team flow


async def test_team_flow_shadows_public_flow_for_that_team_only(seeded: Database) -> None:
    other = flow("Other", key="other")
    async with seeded.uow() as uow:
        await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.PUBLISHED)
        await uow.flows.save(None, other, dump_flow(other), FlowStatus.PUBLISHED)
        await uow.flows.save(TEAM_A, V2, dump_flow(V2), FlowStatus.PUBLISHED)
        await uow.flows.save(TEAM_B, V3, dump_flow(V3), FlowStatus.DRAFT)  # B's draft does not shadow yet
        await uow.commit()
    async with seeded.uow() as uow:
        mine, theirs = await uow.flows.get(TEAM_A, "demo"), await uow.flows.get(TEAM_B, "demo")
        assert mine is not None and (mine.name, mine.visibility) == ("Demo v2", Visibility.TEAM)
        assert theirs is not None and (theirs.name, theirs.visibility) == ("Demo v1", Visibility.PUBLIC)
        assert [(f.key, f.name) for f in await uow.flows.list(TEAM_A)] == [("demo", "Demo v2"), ("other", "Other")]
        assert [(f.key, f.name) for f in await uow.flows.list(TEAM_B)] == [("demo", "Demo v1"), ("other", "Other")]
        assert [f.name for f in await uow.flows.list(TEAM_B, include_drafts=True)] == ["Demo v3", "Other"]
        assert [f.name for f in await uow.flows.list("")] == ["Demo v1", "Other"]  # "" = public only
        a_only = await uow.flows.get(TEAM_A, "demo", 1)
        assert a_only is not None and a_only.name == "Demo v2"  # the team's own v1 wins over public v1


async def test_parsed_versions_are_cached(seeded: Database) -> None:
    cache = seeded.uow_factory.flow_cache
    async with seeded.uow() as uow:
        await uow.flows.save(None, V1, dump_flow(V1), FlowStatus.PUBLISHED)
        await uow.commit()
    for _ in range(3):
        async with seeded.uow() as uow:
            got = await uow.flows.get(TEAM_A, "demo")
            assert got is not None and got.node("q").question == "Works?"
    assert len(cache) == 1

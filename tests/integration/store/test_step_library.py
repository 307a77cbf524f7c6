"""The step library on SQLite and PostgreSQL: lossless round trips, who sees what (public, team, private; a guessed
id of another team's step finds nothing), one rating per person (a second replaces the first, counters exact),
reviews kept per team, usage counts, and the one synced entry per flow node."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.exc import IntegrityError

from bot.engine.steplib.records import LibraryStep, StepRating, StepType, StepVisibility, Thumb
from bot.store.database import Database
from tests.integration.store.builders import ALICE, BOB, NOW, TEAM_A, TEAM_B

STEP_ID = "5e7e0000-0000-4000-8000-000000000001"


def step(sid: str = STEP_ID, **changes: object) -> LibraryStep:
    made = LibraryStep(
        id=sid,
        team_id=TEAM_A,
        slug=f"flush-dns-{sid[:4]}",
        title="Flush DNS",
        type=StepType.ACTION,
        content="Clear the resolver cache.",
        commands=("ipconfig /flushdns",),
        category="network",
        tags=("dns", "windows"),
        visibility=StepVisibility.TEAM,
        created_by=ALICE,
        created_by_name="Alice",
        created_at=NOW,
        updated_at=NOW,
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


async def test_round_trip_visibility_and_lookup(seeded: Database) -> None:
    public = step(
        "9b1c0000-0000-4000-8000-000000000002",
        team_id=None,
        slug="vpn/restart",
        visibility=StepVisibility.PUBLIC,
        source_flow="vpn",
        source_node="restart",
    )
    private = step("8a2d0000-0000-4000-8000-000000000003", slug="mine", visibility=StepVisibility.PRIVATE)
    async with seeded.uow() as uow:
        for s in (step(), public, private):
            await uow.step_library.add(s)
        await uow.commit()
    async with seeded.uow() as uow:
        lib = uow.step_library
        assert await lib.get(TEAM_A, ALICE, STEP_ID) == step()
        assert await lib.get(TEAM_A, ALICE, STEP_ID[:8]) == step(), "the short id finds it"
        assert await lib.get(TEAM_A, ALICE, "vpn/restart") == public
        assert await lib.get(TEAM_B, BOB, STEP_ID) is None, "another team cannot read a team step by id"
        assert await lib.get(TEAM_B, BOB, "vpn/restart") == public
        assert await lib.get(TEAM_A, ALICE, "mine") == private
        assert await lib.get(TEAM_A, "someone-else", "mine") is None, "private steps are their author's"
        assert {s.id for s in await lib.visible(TEAM_B, BOB)} == {public.id}
        assert len(await lib.visible(TEAM_A, ALICE)) == 3
        assert await lib.by_source(None, "vpn", "restart") == public
        assert await lib.by_source(TEAM_A, "vpn", "restart") is None
        assert await lib.synced_from(TEAM_A, "vpn", "restart") == public, "no entry of its own: the public one"
        assert await lib.synced_from(TEAM_A, "vpn", "other") is None
        changed = step(title="Flush the DNS cache", tags=("dns",), visibility=StepVisibility.PRIVATE)
        await lib.update(changed)
        await lib.count_use(STEP_ID)
        await uow.commit()
    async with seeded.uow() as uow:
        found = await uow.step_library.get(TEAM_A, ALICE, STEP_ID)
        assert found == dataclasses.replace(changed, usage_count=1)


async def test_one_synced_entry_per_flow_node(seeded: Database) -> None:
    synced = step(slug="vpn/restart", source_flow="vpn", source_node="restart")
    async with seeded.uow() as uow:
        await uow.step_library.add(synced)
        await uow.commit()
    async with seeded.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.step_library.add(step("77770000-0000-4000-8000-000000000009", slug="other", source_flow="vpn",
                                            source_node="restart"))  # fmt: skip
    public = step("9b1c0000-0000-4000-8000-000000000002", team_id=None, slug="p", visibility=StepVisibility.PUBLIC,
                  source_flow="vpn", source_node="restart")  # fmt: skip
    async with seeded.uow() as uow:
        await uow.step_library.add(public)
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.step_library.synced_from(TEAM_A, "vpn", "restart") == synced, "the team's own comes first"
        assert await uow.step_library.synced_from(TEAM_B, "vpn", "restart") == public


async def test_one_rating_per_person_with_exact_counts(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.step_library.add(step(visibility=StepVisibility.PUBLIC))
        await uow.step_library.rate(StepRating(STEP_ID, TEAM_A, ALICE, "Alice", Thumb.UP, NOW, "Worked.", "s-1"))
        await uow.step_library.rate(StepRating(STEP_ID, TEAM_B, BOB, "Bob", Thumb.UP, NOW))
        await uow.step_library.rate(StepRating(STEP_ID, TEAM_A, ALICE, "Alice", Thumb.DOWN, NOW, "Not twice."))
        await uow.commit()
    async with seeded.uow() as uow:
        found = await uow.step_library.get(TEAM_B, BOB, STEP_ID)
        assert found is not None and (found.up_count, found.down_count) == (1, 1)
        mine = await uow.step_library.rating_of(STEP_ID, ALICE)
        assert mine is not None and (mine.thumb, mine.review) == (Thumb.DOWN, "Not twice.")
        assert [r.user_id for r in await uow.step_library.ratings(STEP_ID, TEAM_A)] == [ALICE]
        assert [r.user_id for r in await uow.step_library.ratings(STEP_ID, TEAM_B)] == [BOB], "reviews stay per team"

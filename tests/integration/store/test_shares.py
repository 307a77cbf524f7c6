"""Share links on SQLite and PostgreSQL: lossless round trips, team scoping (only a public token's hash finds a
link across teams), one-time revocation, exact view counts and a view log trimmed to the newest rows."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.engine.sharing.records import VIEW_LOG_LIMIT, ShareLink, ShareScope, ShareView
from bot.engine.sharing.signing import token_hash
from bot.store.database import Database
from tests.integration.store.builders import ALICE, NOW, SESSION, TEAM_A, TEAM_B, session


def link(lid: str = "link-1", **changes: object) -> ShareLink:
    made = ShareLink(
        id=lid,
        team_id=TEAM_A,
        session_id=SESSION,
        scope=ShareScope.PUBLIC,
        created_by=ALICE,
        created_by_name="Alice",
        created_at=NOW,
        expires_at=NOW + timedelta(days=7),
        token_hash=token_hash(lid),
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


async def test_round_trip_scoping_and_lookup_by_hash(seeded: Database) -> None:
    team_link = link("link-2", scope=ShareScope.TEAM, token_hash="", created_at=NOW + timedelta(minutes=1))
    async with seeded.uow() as uow:
        await uow.shares.add(link())
        await uow.shares.add(team_link)
        await uow.shares.add(link("link-3", scope=ShareScope.TEAM, token_hash="", created_at=NOW - timedelta(days=1)))
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.shares.get(TEAM_A, "link-1") == link()
        assert await uow.shares.get(TEAM_A, "link-2") == team_link
        assert await uow.shares.get(TEAM_B, "link-1") is None, "another team cannot read it by id"
        assert [x.id for x in await uow.shares.for_session(TEAM_A, SESSION)] == ["link-2", "link-1", "link-3"]
        assert await uow.shares.for_session(TEAM_B, SESSION) == []
        assert await uow.shares.by_token_hash(token_hash("link-1")) == link()
        assert await uow.shares.by_token_hash(token_hash("nope")) is None
        assert await uow.shares.by_token_hash("") is None, "team links (no token) are never found by hash"


async def test_a_token_hash_is_unique(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.shares.add(link())
        with pytest.raises(IntegrityError):
            await uow.shares.add(link("link-2", token_hash=token_hash("link-1")))


async def test_revoking_happens_once_and_only_in_the_links_team(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.shares.add(link())
        await uow.commit()
    async with seeded.uow() as uow:
        assert not await uow.shares.revoke(TEAM_B, "link-1", "user-b", NOW)
        assert await uow.shares.revoke(TEAM_A, "link-1", ALICE, NOW + timedelta(hours=1))
        assert not await uow.shares.revoke(TEAM_A, "link-1", ALICE, NOW + timedelta(hours=2))
        await uow.commit()
    async with seeded.uow() as uow:
        got = await uow.shares.get(TEAM_A, "link-1")
        assert got is not None and got.revoked_at == NOW + timedelta(hours=1) and got.revoked_by == ALICE
        assert not got.live(NOW + timedelta(hours=1))


async def test_views_are_counted_exactly_and_the_log_keeps_the_newest(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.shares.add(link())
        await uow.shares.add(link("link-2"))
        await uow.commit()
    total = VIEW_LOG_LIMIT + 5
    async with seeded.uow() as uow:
        for n in range(total):
            await uow.shares.record_view(ShareView("link-1", TEAM_A, NOW + timedelta(seconds=n), f"v{n}"))
        await uow.shares.record_view(ShareView("link-2", TEAM_A, NOW, ""))
        await uow.commit()
    async with seeded.uow() as uow:
        got = await uow.shares.get(TEAM_A, "link-1")
        assert got is not None and got.views == total and got.last_viewed_at == NOW + timedelta(seconds=total - 1)
        logged = await uow.shares.views(TEAM_A, "link-1")
        assert [v.viewer for v in logged] == [f"v{n}" for n in reversed(range(5, total))]
        assert [v.viewer for v in await uow.shares.views(TEAM_A, "link-2")] == [""]
        assert await uow.shares.views(TEAM_B, "link-1") == []


async def test_links_go_with_their_session(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.sessions.add(session("s-2"))
        await uow.shares.add(link(session_id="s-2"))
        await uow.shares.record_view(ShareView("link-1", TEAM_A, NOW))
        await uow.commit()
    async with seeded.uow() as uow:
        with pytest.raises(IntegrityError):  # a link of team B on team A's session is refused by the schema
            await uow.shares.add(link("link-9", team_id=TEAM_B, token_hash=""))

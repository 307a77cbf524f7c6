"""Member links in the database: per team, replaced, removed, gone with their user."""

from __future__ import annotations

from bot.engine.psa import MemberLink
from bot.store.database import Database
from bot.store.member_links import SqlMemberLinks
from tests.integration.store.builders import ALICE, NOW, TEAM_A, TEAM_B


async def test_links_per_team_replace_and_delete(seeded: Database) -> None:
    links = SqlMemberLinks(seeded.engine)
    assert await links.all(TEAM_A) == {}
    await links.put(TEAM_A, MemberLink(ALICE, 7, "aquinn", "Alice Quinn", "a@x.example", "auto"), NOW)
    await links.put(TEAM_A, MemberLink(ALICE, 8, "aq2", "Alice Q", "a@x.example", "manual"), NOW)
    assert await links.all(TEAM_A) == {ALICE: MemberLink(ALICE, 8, "aq2", "Alice Q", "a@x.example", "manual")}
    assert await links.all(TEAM_B) == {}
    assert await links.delete(TEAM_A, ALICE) is True and await links.delete(TEAM_A, ALICE) is False

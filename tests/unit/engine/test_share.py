"""`share`: a team link for yourself, public links (engineers and up, unless the team turned them off), the
session's list, and revocation by the maker or a team admin. Refusals change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.engine.engine import Engine
from bot.engine.model import Role
from bot.engine.replies import Attachment
from bot.engine.sharing import texts
from bot.engine.sharing.records import ShareScope
from bot.engine.sharing.signing import LinkSigner, Purpose, token_hash
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

BASE = "https://rf.example.com"


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner.from_material("test-material", BASE)


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, signer: LinkSigner) -> Engine:
    return Engine(db, clock, SequentialIds(), links=signer)


@pytest.fixture
async def started(alice: Chat, bob: Chat) -> Chat:
    await alice.say("/help")  # alice is the team's first user: its admin; bob an engineer
    await bob.say("/help")
    await alice.say("/start vpn-test")
    return alice


def links(db: MemoryDatabase) -> list:
    return sorted(db.state.shares.values(), key=lambda link: link.created_at)


def url_in(chat: Chat) -> str:
    found = re.findall(r"https://rf\.example\.com/\S+", chat.text())
    assert found, chat.text()
    return str(found[0])


async def test_a_team_link_is_signed_for_the_person_team_and_session(
    started: Chat, db: MemoryDatabase, signer: LinkSigner, clock: FakeClock
) -> None:
    await started.say("/share")
    url = url_in(started)
    assert url.startswith(BASE + "/share/open/")
    (link,) = links(db)
    session = next(iter(db.state.sessions.values()))
    claims = signer.verify(Purpose.TEAM_LINK, url.rsplit("/", 1)[1], clock.now())
    assert claims == {"link": link.id, "team": started.team_id, "session": session.id, "user": link.created_by}
    assert link.scope is ShareScope.TEAM and link.token_hash == ""
    assert link.expires_at == clock.now() + timedelta(hours=8)
    assert signer.verify(Purpose.TEAM_LINK, url.rsplit("/", 1)[1], clock.now() + timedelta(minutes=16)) is None
    assert link.short_id in started.text()


async def test_a_public_link_is_a_random_token_stored_only_as_its_hash(
    started: Chat, db: MemoryDatabase, clock: FakeClock
) -> None:
    await started.say("/share public 24h")
    url = url_in(started)
    token = url.removeprefix(BASE + "/s/")
    (link,) = links(db)
    assert link.scope is ShareScope.PUBLIC and link.token_hash == token_hash(token)
    assert link.expires_at == clock.now() + timedelta(hours=24)
    assert token not in repr(db.state), "the token itself is never stored"
    await started.say("/share public")
    assert links(db)[-1].expires_at == clock.now() + timedelta(days=7)
    await started.say("/share public 2w")
    assert links(db)[-1].expires_at == clock.now() + timedelta(weeks=2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("public soon", "is not a duration"),
        ("public 7 days please", "Usage"),
        ("public 91d", "at most 90 days"),
        ("public 5m", "at least 10 minutes"),
        ("public -3d", "is not a duration"),
        ("publish", "Usage"),
        ("revoke", "Which link?"),
    ],
)
async def test_bad_input_is_explained_and_changes_nothing(
    started: Chat, db: MemoryDatabase, args: str, message: str
) -> None:
    await started.say(f"/share {args}")
    assert message in started.text()
    assert links(db) == []


async def test_a_team_that_turned_public_links_off_gets_team_links_only(started: Chat, db: MemoryDatabase) -> None:
    db.state.settings.setdefault(started.team_id, {})["public_share_links"] = False
    await started.say("/share public 7d")
    assert started.text() == texts.PUBLIC_OFF and links(db) == []
    await started.say("/share")
    assert [link.scope for link in links(db)] == [ShareScope.TEAM]


async def test_viewers_get_team_links_but_not_public_ones(started: Chat, bob: Chat, db: MemoryDatabase) -> None:
    next(u for u in db.state.users.values() if u.display_name == "Bob").role = Role.VIEWER
    await bob.say("/share public")
    assert "Viewers can read" in bob.text() and links(db) == []
    await bob.say("/share")
    assert "/share/open/" in bob.text() and len(links(db)) == 1


async def test_the_list_shows_who_made_each_link_its_expiry_and_views(
    started: Chat, bob: Chat, db: MemoryDatabase, clock: FakeClock
) -> None:
    await started.say("/share public 3d")
    await bob.say("/share")
    public, team = links(db)
    public.views, public.last_viewed_at = 3, clock.now()
    await bob.say("/share list")
    listing = bob.text()
    assert f"`{public.short_id}` public by Alice" in listing and "opened 3x" in listing
    assert f"`{team.short_id}` team by Bob" in listing and "not opened yet" in listing
    assert "until 2026-11-28 14:00" in listing


async def test_makers_revoke_their_own_links_and_admins_anyones(started: Chat, bob: Chat, db: MemoryDatabase) -> None:
    await started.say("/share public")
    await bob.say("/share public")
    alices, bobs = links(db)
    await bob.say(f"/share revoke {alices.short_id}")
    assert "Only Alice" in bob.text() and all(link.revoked_at is None for link in links(db))
    await bob.say(f"/share revoke {bobs.short_id}")
    assert "revoked" in bob.text() and db.state.shares[bobs.id].revoked_at is not None
    await bob.say(f"/share revoke {bobs.short_id}")
    assert "already revoked" in bob.text()
    await bob.say("/share revoke ffffffff")
    assert "no share link `ffffffff`" in bob.text()
    await started.say(f"/share revoke {alices.id}")  # the full id works too
    assert db.state.shares[alices.id].revoked_by == alices.created_by
    audited = [(e.action, e.actor_name) for e in db.state.audit if e.action.startswith("share.")]
    assert ("share.revoked", "Bob") in audited and ("share.revoked", "Alice") in audited
    assert sum(1 for action, _ in audited if action == "share.created") == 2


async def test_revoke_all_takes_your_own_links_or_every_link_for_an_admin(
    started: Chat, bob: Chat, db: MemoryDatabase
) -> None:
    await started.say("/share public")
    await bob.say("/share")
    await bob.say("/share public")
    await bob.say("/share revoke all")
    assert "2 of your link(s) revoked; 1 made by others stay" in bob.text()
    await bob.say("/share revoke all")
    assert "Only" not in bob.text() and "no live links" in bob.text()
    await started.say("/share revoke all")
    assert "1 link(s) of this session revoked" in started.text()
    assert all(link.revoked_at is not None for link in links(db))


async def test_no_session_here_and_no_server_are_explained(
    db: MemoryDatabase, clock: FakeClock, team_id: str, started: Chat
) -> None:
    elsewhere = Chat(started.engine, team_id, clock, "bob", channel="C9", thread="T9")
    await elsewhere.say("/share")
    assert "no open session" in elsewhere.text() and links(db) == []
    offline = Chat(Engine(db, clock, SequentialIds()), team_id, clock, "alice")
    await offline.say("/share")
    assert offline.text() == texts.NOT_SERVED and links(db) == []


async def test_an_export_asks_for_an_upload_and_carries_a_signed_download_link(
    started: Chat, signer: LinkSigner, clock: FakeClock
) -> None:
    await started.say("/export html")
    (attachment,) = [r for r in started.last if isinstance(r, Attachment)]
    assert attachment.upload and not attachment.final
    token = attachment.download_url.removeprefix(BASE + "/share/file/")
    claims = signer.verify(Purpose.DOWNLOAD, token, clock.now())
    assert claims is not None and claims["fmt"] == "html" and claims["team"] == started.team_id
    assert signer.verify(Purpose.DOWNLOAD, token, clock.now() + timedelta(minutes=15)) is None

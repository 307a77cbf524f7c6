"""Sharing pages across teams (issue 8 item 2): team B's own valid page cookie, and download links signed for team
B, never open team A's session; each refusal is the same 404 and logs no view on any link."""

from __future__ import annotations

from datetime import timedelta

from bot.engine.replies import Attachment
from bot.engine.sharing.signing import DOWNLOAD_PATH, Purpose
from bot.handlers.share.http import COOKIE
from tests.fakes.chat import Chat
from tests.unit.handlers.share.test_http import Rig, assert_not_found, open_team_link, rig  # noqa: F401 (fixture)


async def bob_of_globex(rig: Rig) -> Chat:  # noqa: F811
    """Bob of another team, in a session of his own."""
    team_b = await rig.alice.engine.ensure_team("globex")
    bob = Chat(rig.alice.engine, team_b, rig.clock, "bob", channel="C-B", thread="T-B")
    await bob.say("/start vpn-test")
    return bob


async def test_another_teams_cookie_never_opens_this_teams_page(rig: Rig) -> None:  # noqa: F811
    await rig.share()
    alice_link = rig.link()
    bob = await bob_of_globex(rig)
    await bob.say("/share")
    bob_url = next(w for w in bob.text().split() if w.startswith("https://rf.example.com/share/open/"))
    bob_page, bob_cookie = await open_team_link(rig, bob_url)
    assert (await rig.get(bob_page, Cookie=f"{COOKIE}={bob_cookie}"))[0] == 200  # his own page opens
    views = len(rig.db.state.share_views)
    alice_page = f"/share/view/{alice_link.session_id}"
    await assert_not_found(rig, alice_page, Cookie=f"{COOKIE}={bob_cookie}")
    assert len(rig.db.state.share_views) == views and rig.link(0).views == 0


async def test_a_download_link_signed_for_another_team_never_serves_this_teams_session(rig: Rig) -> None:  # noqa: F811
    bob = await bob_of_globex(rig)
    await bob.say("/export txt")
    (attachment,) = [r for r in bob.last if isinstance(r, Attachment)]
    assert (await rig.get(attachment.download_url))[0] == 200
    alice_session = next(s for s in rig.db.state.sessions.values() if s.team_id == rig.alice.team_id)
    bob_user = next(u for u in rig.db.state.users.values() if u.team_id == bob.team_id)
    expires = rig.clock.now() + timedelta(minutes=5)
    for claims in (
        {"team": bob.team_id, "session": alice_session.id, "user": bob_user.id, "fmt": "txt"},
        {"team": rig.alice.team_id, "session": alice_session.id, "user": bob_user.id, "fmt": "txt"},
    ):
        await assert_not_found(rig, rig.signer.url(DOWNLOAD_PATH, rig.signer.sign(Purpose.DOWNLOAD, claims, expires)))

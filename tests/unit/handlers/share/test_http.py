"""The sharing pages over HTTP (aiohttp on 127.0.0.1, the engine on the in-memory store): a valid link shows the
session with strict headers and counts the view; expired, revoked, tampered, guessed or other teams' links all get
the same 404 and change nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.engine.engine import Engine
from bot.engine.replies import Attachment
from bot.engine.sharing.pages import SharePages
from bot.engine.sharing.records import ShareLink
from bot.engine.sharing.signing import LinkSigner, Purpose, new_public_token
from bot.flows.model import FlowStatus
from bot.handlers.share.http import COOKIE, share_routes
from bot.handlers.share.page import HEADERS, NOT_FOUND
from bot.metrics import Metrics
from bot.web import build_web_app
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.conftest import VPN

BASE = "https://rf.example.com"
SECRET_NOTE = "Jane (jane.doe@example.com) reaches the gateway at 10.20.30.40"


@dataclass
class Rig:
    db: MemoryDatabase
    clock: FakeClock
    signer: LinkSigner
    alice: Chat
    client: TestClient

    async def get(self, url: str, **headers: str) -> tuple[int, str, dict[str, str]]:
        response = await self.client.get(url.removeprefix(BASE), headers=headers, allow_redirects=False)
        return response.status, await response.text(), dict(response.headers)

    def link(self, n: int = -1) -> ShareLink:
        return sorted(self.db.state.shares.values(), key=lambda x: x.created_at)[n]

    async def share(self, args: str = "") -> str:
        await self.alice.say(f"/share {args}".strip())
        found = re.findall(re.escape(BASE) + r"/\S+", self.alice.text())
        assert found, self.alice.text()
        return str(found[0])


async def healthy() -> bool:
    return True


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    db, clock = MemoryDatabase(), FakeClock()
    signer = LinkSigner.from_material("web-test", BASE)
    engine = Engine(db, clock, SequentialIds(), links=signer)
    team = await engine.ensure_team("acme")
    async with db() as uow:
        await uow.flows.save(None, VPN, VPN.key, FlowStatus.PUBLISHED)
        await uow.commit()
    alice = Chat(engine, team, clock, "alice")
    await alice.say("/start vpn-test")
    await alice.say(SECRET_NOTE)
    app = build_web_app(metrics=Metrics(), health=healthy, routes=share_routes(SharePages(db, signer, clock)))
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        yield Rig(db, clock, signer, alice, client)


def assert_strict(headers: dict[str, str]) -> None:
    for name, value in HEADERS.items():
        assert headers[name] == value
    assert headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'unsafe-inline'")


async def assert_not_found(rig: Rig, url: str, **headers: str) -> None:
    views = [(x.id, x.views) for x in rig.db.state.shares.values()]
    status, body, got = await rig.get(url, **headers)
    assert status == 404 and NOT_FOUND in body and "Jane" not in body
    assert_strict(got)
    assert [(x.id, x.views) for x in rig.db.state.shares.values()] == views, "a refused link changes nothing"


async def test_a_public_link_shows_the_session_redacted_and_logs_the_view(rig: Rig) -> None:
    rig.db.state.settings.setdefault(rig.alice.team_id, {})["redact_exports"] = False  # public pages mask anyway
    url = await rig.share("public 1d")
    status, body, headers = await rig.get(url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert_strict(headers)
    assert "VPN test" in body and "rf-note" in body
    assert "jane.doe@example.com" not in body and "10.20.30.40" not in body and "Jane" in body
    assert "<script" not in body.lower()
    link = rig.link()
    assert link.views == 1 and link.last_viewed_at == rig.clock.now()
    assert [(v.link_id, v.viewer) for v in rig.db.state.share_views] == [(link.id, "")]


async def test_expired_revoked_tampered_guessed_and_switched_off_public_links_all_get_the_same_404(
    rig: Rig,
) -> None:
    url = await rig.share("public 1h")
    token = url.rsplit("/", 1)[1]
    tampered = token[:-1] + ("a" if token[-1] != "a" else "b")
    session_id = rig.link().session_id
    for guess in (tampered, new_public_token(), session_id, rig.link().id, rig.link().token_hash, "x" * 43):
        await assert_not_found(rig, f"/s/{guess}")
    settings = rig.db.state.settings.setdefault(rig.alice.team_id, {})
    settings["public_share_links"] = False
    await assert_not_found(rig, url)
    settings["public_share_links"] = True
    assert (await rig.get(url))[0] == 200
    rig.clock.advance(hours=1)
    await assert_not_found(rig, url)
    url2 = await rig.share("public 1d")
    await rig.alice.say(f"/share revoke {rig.link().short_id}")
    await assert_not_found(rig, url2)


async def test_link_previews_get_nothing_and_count_nothing(rig: Rig) -> None:
    url = await rig.share("public")
    await assert_not_found(rig, url, **{"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"})
    await assert_not_found(rig, url, **{"User-Agent": "Mozilla/5.0 SkypeUriPreview Preview/0.5"})


async def open_team_link(rig: Rig, url: str) -> tuple[str, str]:
    status, _, headers = await rig.get(url)
    assert status == 303
    assert_strict(headers)
    cookie = SimpleCookie(headers["Set-Cookie"])[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["secure"]  # https public address
    assert cookie["path"] == headers["Location"] and int(cookie["max-age"]) == 8 * 3600
    return headers["Location"], cookie.value


async def test_a_team_link_sets_a_cookie_for_that_page_and_follows_the_teams_redaction(rig: Rig) -> None:
    url = await rig.share()
    page, cookie = await open_team_link(rig, url)
    assert page == f"/share/view/{rig.link().session_id}" and url.rsplit("/", 1)[1] not in page
    assert rig.link().views == 0, "opening the link is not a view; the page is"
    status, body, headers = await rig.get(page, Cookie=f"{COOKIE}={cookie}")
    assert status == 200 and "Jane" in body and "jane.doe@example.com" not in body
    assert_strict(headers)
    rig.db.state.settings.setdefault(rig.alice.team_id, {})["redact_exports"] = False
    status, body, _ = await rig.get(page, Cookie=f"{COOKIE}={cookie}")
    assert status == 200 and "jane.doe@example.com" in body and "do not forward" in body
    link = rig.link()
    assert link.views == 2 and {v.viewer for v in rig.db.state.share_views} == {link.created_by}


async def test_team_links_and_cookies_that_do_not_fit_get_the_same_404(rig: Rig) -> None:
    url = await rig.share()
    token = url.rsplit("/", 1)[1]
    page, cookie = await open_team_link(rig, url)
    await assert_not_found(rig, page)  # no cookie
    await assert_not_found(rig, page, Cookie=f"{COOKIE}={cookie[:-2]}xx")  # tampered cookie
    await assert_not_found(rig, page, Cookie=f"{COOKIE}={token}")  # the link itself is no cookie
    await assert_not_found(rig, "/share/view/00000000-0000-4000-8000-00000000dead", Cookie=f"{COOKIE}={cookie}")
    link = rig.link()
    other_team = {"link": link.id, "team": "another-team", "session": link.session_id, "user": link.created_by}
    forged = rig.signer.sign(Purpose.TEAM_LINK, other_team, rig.clock.now() + timedelta(minutes=5))
    await assert_not_found(rig, f"/share/open/{forged}")
    foreign = LinkSigner.from_material("someone-else", BASE).sign(
        Purpose.TEAM_LINK, other_team | {"team": link.team_id}, rig.clock.now() + timedelta(minutes=5)
    )
    await assert_not_found(rig, f"/share/open/{foreign}")
    rig.clock.advance(minutes=16)
    await assert_not_found(rig, url)  # the link must be opened within 15 minutes
    assert (await rig.get(page, Cookie=f"{COOKIE}={cookie}"))[0] == 200  # the page access lasts
    await rig.alice.say(f"/share revoke {link.short_id}")
    await assert_not_found(rig, page, Cookie=f"{COOKIE}={cookie}")


async def test_an_export_download_link_serves_the_file_until_it_expires(rig: Rig) -> None:
    await rig.alice.say("/export txt")
    (attachment,) = [r for r in rig.alice.last if isinstance(r, Attachment)]
    status, body, headers = await rig.get(attachment.download_url)
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Disposition"] == f'attachment; filename="{attachment.filename}"'
    assert_strict(headers)
    assert "Jane" in body and "jane.doe@example.com" not in body
    await assert_not_found(rig, attachment.download_url[:-3] + "abc")
    rig.clock.advance(minutes=15)
    await assert_not_found(rig, attachment.download_url)

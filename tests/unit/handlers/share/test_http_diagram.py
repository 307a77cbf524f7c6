"""Flow diagrams behind signed links (what a Teams card shows when the picture is too large to carry): `flow show`
signs a link to its picture; the link serves the PNG (to image proxies too) until it expires; another team's flow,
a tampered, expired or other-purpose token all get the same 404."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.engine.replies import Attachment
from bot.engine.sharing.signing import DIAGRAM_PATH, DOWNLOAD_PATH, LinkSigner, Purpose
from bot.flows.diagram import PNG_SIGNATURE
from bot.flows.model import FlowStatus
from bot.handlers.share.page import NOT_FOUND
from tests.fakes.chat import Chat
from tests.unit.engine.conftest import VPN
from tests.unit.handlers.share.test_http import BASE, Rig, rig  # noqa: F401 (fixture)


async def fetch(rig: Rig, url: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:  # noqa: F811
    response = await rig.client.get(url.removeprefix(BASE), headers=headers, allow_redirects=False)
    return response.status, await response.read(), dict(response.headers)


async def diagram_url(chat: Chat, key: str) -> str:
    await chat.say(f"/flow show {key}")
    (picture,) = [r for r in chat.last if isinstance(r, Attachment) and r.mime_type == "image/png"]
    assert picture.data.startswith(PNG_SIGNATURE) and picture.download_url.startswith(BASE + DIAGRAM_PATH)
    return picture.download_url


async def assert_gone(rig: Rig, url: str, **headers: str) -> None:  # noqa: F811
    status, body, got = await fetch(rig, url, **headers)
    assert status == 404 and NOT_FOUND in body.decode() and got["Content-Type"].startswith("text/html")


async def test_a_diagram_link_serves_the_png_until_it_expires(rig: Rig) -> None:  # noqa: F811
    url = await diagram_url(rig.alice, "vpn-test")
    assert "vpn-test" not in url  # the link names no flow in clear
    status, body, headers = await fetch(rig, url)
    assert status == 200 and body.startswith(PNG_SIGNATURE) and headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == 'inline; filename="vpn-test-v1.png"'
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Cache-Control"] == f"max-age={8 * 3600}"
    agent = "Mozilla/5.0 (Windows NT 10.0) SkypeUriPreview Preview/0.5"  # Teams' image proxy may say it is a preview
    assert (await fetch(rig, url, **{"User-Agent": agent}))[0] == 200
    rig.clock.advance(hours=7, minutes=59)
    status, again, headers = await fetch(rig, url)
    assert status == 200 and again == body and headers["Cache-Control"] == "max-age=60"
    rig.clock.advance(minutes=1)
    await assert_gone(rig, url)


async def test_another_teams_flow_a_tampered_or_other_purpose_token_gets_the_same_404(rig: Rig) -> None:  # noqa: F811
    private = dataclasses.replace(VPN, key="acme-vpn", name="Acme VPN", _index={})
    async with rig.db() as uow:
        await uow.flows.save(rig.alice.team_id, private, private.key, FlowStatus.PUBLISHED)
        await uow.commit()
    url = await diagram_url(rig.alice, "acme-vpn")
    assert (await fetch(rig, url))[0] == 200
    team_b = await rig.alice.engine.ensure_team("globex")
    bob = Chat(rig.alice.engine, team_b, rig.clock, "bob", channel="C-B", thread="T-B")
    await bob.say("/flow show acme-vpn")
    assert "don't know a flow `acme-vpn`" in bob.text()
    expires = rig.clock.now() + timedelta(hours=1)
    until = str(int(expires.timestamp()))
    as_b = {"team": team_b, "flow": "acme-vpn", "v": "1", "until": until}
    await assert_gone(rig, rig.signer.url(DIAGRAM_PATH, rig.signer.sign(Purpose.DIAGRAM, as_b, expires)))
    as_a = as_b | {"team": rig.alice.team_id}
    assert (await fetch(rig, rig.signer.url(DIAGRAM_PATH, rig.signer.sign(Purpose.DIAGRAM, as_a, expires))))[0] == 200
    for claims in (as_a | {"v": "9"}, as_a | {"v": "one"}, as_a | {"flow": "nope"}, {"team": rig.alice.team_id}):
        await assert_gone(rig, rig.signer.url(DIAGRAM_PATH, rig.signer.sign(Purpose.DIAGRAM, claims, expires)))
    download = rig.signer.sign(Purpose.DOWNLOAD, as_a, expires)  # a download token is no diagram token
    await assert_gone(rig, rig.signer.url(DIAGRAM_PATH, download))
    await assert_gone(rig, rig.signer.url(DOWNLOAD_PATH, rig.signer.sign(Purpose.DIAGRAM, as_a, expires)))
    foreign = LinkSigner.from_material("someone-else", BASE).sign(Purpose.DIAGRAM, as_a, expires)
    await assert_gone(rig, rig.signer.url(DIAGRAM_PATH, foreign))
    token = url.rsplit("/", 1)[1]
    await assert_gone(rig, rig.signer.url(DIAGRAM_PATH, token[:-3] + "abc"))

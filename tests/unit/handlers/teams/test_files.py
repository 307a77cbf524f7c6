"""Files shared in Teams: the attachments of a message become ``FileRef``s (pure), and ``TeamsFiles`` downloads them
from the loopback Bot Connector -- pre-authorised links without a token, pasted images with the bot's token, the cap
enforced while reading, and links or redirects to anything but Microsoft 365 (or the activity's own connector)
refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.engine.events import CommandIssued, FileRef, MessageReceived
from bot.engine.file_fetch import FileTooLarge, FileUnavailable
from bot.handlers.teams import texts
from bot.handlers.teams.files import TeamsFiles, teams_host, token_host
from bot.handlers.teams.translate import FILE_INFO, files_of, parse, translate
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.teams_driver import TeamsDriver
from tests.fakes.teams_roster import DANA, TEAM_ID

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LOG = b"09:14:07 VPN tunnel up\n09:14:09 IKE SA expired\n"
AT = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector() as fake:
        yield fake


@pytest.fixture
async def files() -> AsyncIterator[TeamsFiles]:
    async def token_for(service_url: str) -> str:
        return "bot-token"

    fetcher = TeamsFiles(token_for)
    try:
        yield fetcher
    finally:
        await fetcher.close()


def shared(connector: FakeBotConnector, *attachments: dict[str, Any], text: str = "") -> dict[str, Any]:
    """A 1:1 message from Dana carrying ``attachments`` (plus Teams' own text/html copy), as the driver builds it."""
    driver = TeamsDriver("http://127.0.0.1:9", connector)
    return driver._message(text, connector.personal_conversation_id(DANA.id), DANA, False, attachments)


async def test_a_file_and_a_pasted_image_become_file_refs(connector: FakeBotConnector) -> None:
    log, image = connector.add_upload("vpnagent.log", LOG), connector.add_inline_image(PNG)
    card = {"contentType": "application/vnd.microsoft.card.adaptive", "content": {}}
    refs = files_of(parse(shared(connector, log, image, card)))
    assert [(r.name, r.mime_type, r.size, r.platform) for r in refs] == [
        ("vpnagent.log", "application/octet-stream", 0, "teams"),
        ("pasted-image-2.png", "image/png", 0, "teams"),
    ]
    assert refs[0].locator == {
        "kind": "download",
        "url": log["content"]["downloadUrl"],
        "id": log["content"]["uniqueId"],
        "service_url": connector.service_url,
    }
    assert refs[1].locator == {"kind": "inline", "url": image["contentUrl"], "service_url": connector.service_url}


async def test_files_without_words_still_reach_flowpilot(connector: FakeBotConnector) -> None:
    upload = connector.add_upload("screenshot.png", PNG)
    [event] = translate(shared(connector, upload), "team-1", AT).events
    assert isinstance(event, CommandIssued) and event.name == "pilot" and event.args == ""
    assert [f.name for f in event.files] == ["screenshot.png"]
    assert translate(shared(connector), "team-1", AT).events == ()  # nothing at all: nothing to do


async def test_a_file_shared_in_a_channel_thread_is_a_note_with_a_file_the_bot_cannot_fetch(
    connector: FakeBotConnector,
) -> None:
    driver = TeamsDriver("http://127.0.0.1:9", connector)
    reference = {"contentType": "reference", "name": "plan.pdf", "contentUrl": "https://contoso.sharepoint.com/x.pdf"}
    message = driver._message("see this", f"{TEAM_ID};messageid=1699999999999", DANA, True, [reference])
    [event] = translate(message, "team-1", AT).events
    assert isinstance(event, MessageReceived) and event.files[0].locator["kind"] == "elsewhere"


async def test_a_pre_authorised_download_sends_no_token(connector: FakeBotConnector, files: TeamsFiles) -> None:
    [ref] = files_of(parse(shared(connector, connector.add_upload("vpnagent.log", LOG))))
    assert await files.fetch("team-1", ref, 10_000) == LOG
    [download] = connector.downloads
    assert (download.kind, download.authorization, download.status) == ("upload", "", 200)


async def test_a_pasted_image_is_fetched_with_the_bot_token(connector: FakeBotConnector, files: TeamsFiles) -> None:
    [ref] = files_of(parse(shared(connector, connector.add_inline_image(PNG))))
    assert await files.fetch("team-1", ref, 10_000) == PNG
    [download] = connector.downloads
    assert (download.kind, download.authorization, download.status) == ("inline", "Bearer bot-token", 200)


@pytest.mark.parametrize("length", [True, False], ids=["declared", "chunked"])
async def test_the_cap_is_enforced_while_reading(connector: FakeBotConnector, files: TeamsFiles, length: bool) -> None:
    [ref] = files_of(parse(shared(connector, connector.add_upload("big.log", LOG * 100, length=length))))
    with pytest.raises(FileTooLarge):
        await files.fetch("team-1", ref, len(LOG) * 100 - 1)
    assert await files.fetch("team-1", ref, len(LOG) * 100) == LOG * 100


async def test_an_expired_link_and_a_channel_file_are_named_unavailable(
    connector: FakeBotConnector, files: TeamsFiles
) -> None:
    upload = connector.add_upload("vpnagent.log", LOG)
    [ref] = files_of(parse(shared(connector, upload)))
    connector.expire(upload)
    with pytest.raises(FileUnavailable, match="expired"):
        await files.fetch("team-1", ref, 10_000)
    elsewhere = FileRef("plan.pdf", "application/pdf", 0, "teams", {"kind": "elsewhere", "url": "https://x"})
    with pytest.raises(FileUnavailable, match="personal chat"):
        await files.fetch("team-1", elsewhere, 10_000)


async def test_links_and_redirects_leave_microsoft_365_never(connector: FakeBotConnector, files: TeamsFiles) -> None:
    outside = FileRef("a.log", FILE_INFO, 0, "teams", {"kind": "download", "url": "https://files.example.com/a.log"})
    with pytest.raises(FileUnavailable, match=texts.FILE_NOT_TEAMS):
        await files.fetch("team-1", outside, 10_000)
    upload = connector.add_upload("a.log", LOG, redirect_to="https://evil.example.com/steal")
    [ref] = files_of(parse(shared(connector, upload)))
    with pytest.raises(FileUnavailable, match=texts.FILE_REDIRECTED):
        await files.fetch("team-1", ref, 10_000)
    hop = connector.add_upload("b.log", LOG)
    upload = connector.add_upload("a.log", LOG, redirect_to=hop["content"]["downloadUrl"])
    [ref] = files_of(parse(shared(connector, upload)))
    assert await files.fetch("team-1", ref, 10_000) == LOG  # a redirect within the connector is followed


@pytest.mark.parametrize(
    ("url", "token", "download"),
    [
        ("https://smba.trafficmanager.net/amer/v3/attachments/1/views/original", True, True),
        ("https://us-api.asm.skype.com/v1/objects/0-weu/views/imgo", True, True),
        ("https://contoso-my.sharepoint.com/personal/dana/_layouts/15/download.aspx?x=1", False, True),
        ("http://contoso-my.sharepoint.com/download.aspx", False, False),
        ("https://evil.trafficmanager.net/v3/attachments/1", False, False),
        ("https://sharepoint.com.evil.example/x", False, False),
        ("http://127.0.0.1:8080/amer/v3/attachments/1/views/original", True, True),  # the activity's serviceUrl
        ("http://127.0.0.1:8081/files/1", False, False),
    ],
)
def test_which_hosts_get_the_token_and_which_serve_files(url: str, token: bool, download: bool) -> None:
    origin = "http://127.0.0.1:8080"
    assert (token_host(url, origin), teams_host(url, origin)) == (token, download)

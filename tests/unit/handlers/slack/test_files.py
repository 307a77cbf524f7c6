"""``SlackFiles`` (the engine's ``FileFetcher`` for Slack) against the fake Slack over real HTTP on 127.0.0.1: the
bot token of the file's workspace, redirects only within Slack, the size cap enforced while reading; and the
engine's file rules on top of it (types, caps, redaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.events import FileRef
from bot.engine.file_fetch import FileTooLarge, FileUnavailable
from bot.engine.pilot import files as rules
from bot.handlers.downloads import read_capped
from bot.handlers.slack import translate
from bot.handlers.slack.files import SlackFiles, slack_host
from tests.fakes.slack_api import FakeSlackApi

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LOG = b"2026-03-02 09:14:07 VPN auth failed for j.doe@contoso.com password=Winter2024! from 10.20.30.40\n" * 20


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as fake:
        fake.add_workspace("T2", "Globex", "xoxb-test-T2")
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as shared:
        yield shared


def fetcher(api: FakeSlackApi, session: aiohttp.ClientSession | None) -> SlackFiles:
    """A fetcher whose teams ``team-T1``/``team-T2`` use those workspaces' bot tokens (over ``session``)."""
    tokens = {"team-T1": "xoxb-test-T1", "team-T2": "xoxb-test-T2"}

    async def client_for(team_id: str) -> AsyncWebClient:
        if team_id not in tokens:
            raise LookupError(f"{team_id} is not installed")
        return AsyncWebClient(token=tokens[team_id], base_url=api.base_url + "/api/", session=session)

    return SlackFiles(client_for, api.base_url + "/api/")


def ref_of(file_object: dict[str, Any]) -> FileRef:
    (ref,) = translate.files_of({"files": [file_object]})
    return ref


async def test_a_file_downloads_with_its_workspaces_token_over_the_shared_session(
    api: FakeSlackApi, session: aiohttp.ClientSession
) -> None:
    ref = ref_of(api.add_file("T1", "screenshot.png", PNG, "image/png"))
    assert await fetcher(api, session).fetch("team-T1", ref, 1_000_000) == PNG
    (download,) = api.downloads
    assert (download.file_id, download.team_id, download.status) == (ref.locator["id"], "T1", 200)
    (call,) = api.calls_to("/screenshot.png")
    assert call.headers["authorization"] == "Bearer xoxb-test-T1" and "/download/" in call.path
    assert not session.closed


async def test_another_workspaces_token_gets_the_sign_in_page_not_the_file(
    api: FakeSlackApi, session: aiohttp.ClientSession
) -> None:
    ref = ref_of(api.add_file("T1", "secret.log", LOG, "text/plain"))
    with pytest.raises(FileUnavailable, match="sign-in page"):
        await fetcher(api, session).fetch("team-T2", ref, 1_000_000)
    assert [(d.team_id, d.status) for d in api.downloads] == [("T2", 302)]
    with pytest.raises(FileUnavailable, match="no access to this Slack workspace"):
        await fetcher(api, session).fetch("team-T9", ref, 1_000_000)


async def test_the_cap_is_enforced_with_and_without_a_content_length(
    api: FakeSlackApi, session: aiohttp.ClientSession
) -> None:
    files = fetcher(api, session)
    sized = ref_of(api.add_file("T1", "big.png", PNG, "image/png"))
    chunked = ref_of(api.add_file("T1", "big.log", LOG * 50, "text/plain", chunk=4096))
    with pytest.raises(FileTooLarge):
        await files.fetch("team-T1", sized, len(PNG) - 1)
    with pytest.raises(FileTooLarge):
        await files.fetch("team-T1", chunked, 10_000)
    assert await files.fetch("team-T1", sized, len(PNG)) == PNG  # exactly at the cap is fine


class CountingStream:
    """A body of ``size`` bytes that records how much each ``read`` asked for."""

    def __init__(self, size: int) -> None:
        self.left, self.asked = size, 0

    async def read(self, n: int) -> bytes:
        self.asked += n
        take = min(n, self.left)
        self.left -= take
        return b"x" * take


async def test_reading_stops_at_the_cap_plus_one_byte() -> None:
    stream = CountingStream(10_000_000)
    with pytest.raises(FileTooLarge):
        await read_capped(stream, 200_000)  # type: ignore[arg-type]
    assert stream.asked == 200_001
    small = CountingStream(1000)
    assert await read_capped(small, 200_000) == b"x" * 1000  # type: ignore[arg-type]


async def test_redirects_are_followed_only_within_slack(api: FakeSlackApi, session: aiohttp.ClientSession) -> None:
    elsewhere = api.base_url.replace("127.0.0.1", "localhost") + "/files-pri/x/y.png"  # same server, other origin
    ref = ref_of(api.add_file("T1", "moved.png", PNG, "image/png", redirect_to=elsewhere))
    with pytest.raises(FileUnavailable, match="elsewhere"):
        await fetcher(api, session).fetch("team-T1", ref, 1_000_000)
    assert len(api.calls) == 1  # nothing was sent to the other origin
    off_slack = FileRef("x.png", "image/png", 10, "slack", {"id": "F1", "url": "https://evil.example/x.png"})
    with pytest.raises(FileUnavailable, match="not stored in Slack"):
        await fetcher(api, session).fetch("team-T1", off_slack, 1_000_000)
    with pytest.raises(FileUnavailable, match="no download address"):
        await fetcher(api, session).fetch("team-T1", FileRef("x.png", "image/png", 10, "slack", {"id": "F1"}), 10)


async def test_a_deleted_file_and_a_client_without_a_session(api: FakeSlackApi) -> None:
    gone = FileRef("old.png", "image/png", 10, "slack", {"url": api.base_url + "/files-pri/T1-F9/old.png"})
    with pytest.raises(FileUnavailable, match="deleted"):
        await fetcher(api, None).fetch("team-T1", gone, 1000)
    ref = ref_of(api.add_file("T1", "ok.png", PNG, "image/png"))
    assert await fetcher(api, None).fetch("team-T1", ref, 1_000_000) == PNG


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://files.slack.com/files-pri/T1-F1/a.png", True),
        ("https://slack.com/signin", True),
        ("https://acme.slack.com/?redir=x", True),
        ("https://a.slack-edge.com/x.png", True),
        ("http://files.slack.com/files-pri/T1-F1/a.png", False),  # never the token over plain HTTP
        ("https://slack.com.evil.example/x", False),
        ("https://notslack.com/x", False),
        ("https://docs.google.com/document/d/1", False),  # an external (linked) file
    ],
)
def test_slack_hosts(url: str, allowed: bool) -> None:
    assert slack_host(url) is allowed


async def test_the_engine_passes_the_screenshot_and_the_log_redacted_and_skips_the_rest(
    api: FakeSlackApi, session: aiohttp.ClientSession
) -> None:
    shared = [
        api.add_file("T1", "screenshot.png", PNG, "image/png"),
        api.add_file("T1", "vpn.log", LOG, "text/plain"),
        api.add_file("T1", "setup.exe", b"MZ" * 10, "application/x-msdownload"),
        api.add_file("T1", "lies.png", PNG * 3000, "image/png", declared_size=1000),
        api.add_file("T2", "globex.png", PNG, "image/png"),
    ]
    refs = translate.files_of({"files": shared})
    gathered = await rules.gather({"slack": fetcher(api, session)}, "team-T1", refs)
    image, log = gathered.attachments
    assert (image.name, image.mime_type, image.data) == ("screenshot.png", "image/png", PNG)
    assert (log.name, log.mime_type) == ("vpn.log", "text/plain")
    text = log.data.decode()
    assert "Winter2024!" not in text and "j.doe@contoso.com" not in text and "10.20.30.40" not in text
    assert "VPN auth failed" in text and "[REDACTED:password]" in text
    assert gathered.notices == (
        "lies.png was not passed to FlowPilot: it is over the 3.8 MB limit for images.",
        "globex.png was not passed to FlowPilot: it could not be downloaded (Slack answered with its sign-in page:"
        " the bot cannot see the file).",
    )
    assert not [d for d in api.downloads if d.file_id == refs[2].locator["id"]]  # the .exe is never downloaded

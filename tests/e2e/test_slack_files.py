"""Files shared in a FlowPilot thread, end to end: the real served app, the fake Slack Web API hosting the files,
Claude pointed at the fake Anthropic API. A screenshot and a log reach the model on the next turn (an image block
and a redacted text document), an .exe is refused with a message, and a file the workspace's token cannot read is
named in the thread while the turn goes on."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.pilot import schema
from tests.e2e.slack_server import SIGNING_SECRET, running_bot
from tests.e2e.slack_transcript import WAIT_S, text_of, wait_post
from tests.fakes.anthropic_api import FakeAnthropic, Reply
from tests.fakes.anthropic_wire import Json, tool_names
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver

KEY = "sk-ant-api03-e2e-files-key-for-the-fake"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SECRET = "Hunter2!xyz"
LOG = (
    "2026-03-02 09:14:07 VPN tunnel up\n"
    f"2026-03-02 09:14:09 auth: user=alice password={SECRET} from 10.20.30.40\n"
    "2026-03-02 10:14:09 IKE SA expired, tunnel down\n"
).encode()


def answer(body: Json) -> Reply:
    """A short chat turn for every turn request; a plain text for anything else."""
    if schema.TURN_TOOL in tool_names(body):
        return Reply.tool(schema.TURN_TOOL, {"kind": "chat", "confidence": 0.3}, text="Looking at what you sent.")
    return Reply.text("OK.")


@dataclass
class Rig:
    """The fakes, the driver and the session's thread."""

    api: FakeSlackApi
    model: FakeAnthropic
    user: SlackDriver
    thread: str = ""

    def turns(self) -> list[Json]:
        """The turn requests the model received, in order."""
        return [b for b in self.model.requests if schema.TURN_TOOL in tool_names(b)]

    async def wait_turns(self, n: int) -> Json:
        """Wait for the ``n``-th turn request and return it."""
        await self.model.wait_for(lambda _: len(self.turns()) >= n, WAIT_S)
        return self.turns()[n - 1]

    async def share(self, text: str, *files: dict[str, Any]) -> None:
        """Alice shares ``files`` (Slack file objects) in the session's thread (a ``file_share`` message)."""
        ts = self.api.next_ts()
        event = {"type": "message", "subtype": "file_share", "text": text, "files": list(files), "user": "U1"}
        event |= {"ts": ts, "event_ts": ts, "channel": "C1", "channel_type": "channel", "team": "T1"}
        await self.user.event(event | {"thread_ts": self.thread, "parent_user_id": "UBOT", "upload": False})


@pytest.fixture
async def rig(migrated_url: str) -> AsyncIterator[Rig]:
    async with FakeSlackApi() as api, FakeAnthropic(api_key=KEY, responder=answer) as model:
        api.add_user("T1", "U1", "Alice Ng", "alice@example.invalid")
        api.add_workspace("T2", "Globex", "xoxb-test-T2")
        claude = {"anthropic_api_key": KEY, "anthropic_base_url": model.url}
        async with (
            running_bot(migrated_url, api.base_url, **claude) as bot,
            SlackDriver(bot.url, SIGNING_SECRET, api) as user,
        ):
            rig = Rig(api, model, user)
            await user.slash_command("pilot the VPN drops every hour", user_id="U1", channel_id="C1")
            await wait_post(api, lambda d: not d.get("thread_ts") and d.get("channel") == "C1")  # the card
            rig.thread = next(m["ts"] for m in api.posted(channel="C1") if not m.get("thread_ts"))
            await rig.wait_turns(1)
            await api.wait_for(lambda c: "Looking at what you sent" in text_of(c.data or {}), WAIT_S)
            yield rig


def sent_blocks(body: Json) -> list[Json]:
    """The content blocks of the request's latest user message."""
    content = body["messages"][-1]["content"]
    return [b for b in content if isinstance(b, dict)]


async def test_a_screenshot_and_a_log_reach_claude_and_an_exe_is_refused(rig: Rig) -> None:
    api = rig.api
    screenshot = api.add_file("T1", "screenshot.png", PNG, "image/png")
    log = api.add_file("T1", "vpnagent.log", LOG, "text/plain")
    exe = api.add_file("T1", "setup.exe", b"MZ\x90\x00" * 64, "application/x-msdownload")
    await rig.share("here is what the user sees", screenshot, log, exe)

    refused = await wait_post(api, lambda d: "setup.exe was not passed" in text_of(d))
    assert refused["thread_ts"] == rig.thread
    assert "only images (PNG, JPEG, GIF, WebP), PDFs and text files are" in text_of(refused)
    body = await rig.wait_turns(2)
    blocks = sent_blocks(body)
    (image,) = [b for b in blocks if b["type"] == "image"]
    assert image["source"] == {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()}
    (document,) = [b for b in blocks if b["type"] == "document"]
    assert document["title"] == "vpnagent.log" and document["source"]["type"] == "text"
    text = document["source"]["data"]
    assert "IKE SA expired, tunnel down" in text and "[REDACTED:password]" in text and "10.20.30.40" not in text
    assert SECRET not in rig.model.all_sent_text()
    assert "Shared screenshot.png, vpnagent.log, setup.exe." in rig.model.all_sent_text()
    downloaded = {d.file_id: (d.team_id, d.status) for d in api.downloads}
    assert downloaded == {screenshot["id"]: ("T1", 200), log["id"]: ("T1", 200)}  # the .exe is never fetched


async def test_a_file_this_workspaces_token_cannot_read_is_named_and_the_turn_goes_on(rig: Rig) -> None:
    api = rig.api
    elsewhere = api.add_file("T2", "globex-diagram.png", PNG, "image/png")
    await rig.share("and this one from the other company", elsewhere)

    skipped = await wait_post(api, lambda d: "globex-diagram.png was not passed" in text_of(d))
    assert skipped["thread_ts"] == rig.thread and "could not be downloaded" in text_of(skipped)
    body = await rig.wait_turns(2)
    assert not [b for b in sent_blocks(body) if b["type"] in ("image", "document")]
    assert [(d.team_id, d.status) for d in api.downloads] == [("T1", 302)]  # sent to Slack's sign-in page

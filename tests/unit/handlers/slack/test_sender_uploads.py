"""Exports reach Slack as files in the thread (the external-upload flow, checked on the loopback Web API); without
the files:write scope, or for a closing note, the document arrives as messages, and a refusal is said."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.events import ConversationRef
from bot.engine.message_refs import MessageLocation
from bot.engine.replies import Attachment
from bot.handlers.slack.sender import SlackSender
from tests.fakes.slack_api import DEFAULT_SCOPES, FakeSlackApi

THREAD = ConversationRef("slack", "C1", "1700000000.000100")
DOC = "# VPN will not connect\n\n- Step 1 — yes ✓\n" * 3


class NoRefs:
    async def get(self, team_id: str, platform: str, ref: str) -> MessageLocation | None:
        return None

    async def put(self, team_id: str, platform: str, ref: str, location: MessageLocation) -> None:
        return None


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as fake:
        yield fake


def sender(api: FakeSlackApi) -> SlackSender:
    client = AsyncWebClient(token="xoxb-test-T1", base_url=api.base_url + "/api/")

    async def client_for(team_id: str) -> AsyncWebClient:
        return client

    return SlackSender(client_for, NoRefs(), lambda: datetime(2026, 11, 25, tzinfo=UTC))


def export(**changes: object) -> Attachment:
    values: dict[str, object] = {"title": "Export (md)", "upload": True}
    return Attachment(THREAD, "rf-note-12345-2026-11-25.md", DOC, "text/markdown", **(values | changes))  # type: ignore[arg-type]


async def test_an_export_is_uploaded_as_a_file_into_the_thread(api: FakeSlackApi) -> None:
    api.workspaces["T1"].scopes = DEFAULT_SCOPES + ",files:write"
    await sender(api).send("T1", [export()])
    (upload,) = api.uploads
    assert upload.data == DOC.encode("utf-8") and upload.filename == "rf-note-12345-2026-11-25.md"
    assert (upload.channel, upload.thread_ts) == ("C1", THREAD.thread)
    assert upload.title == "Export (md) — rf-note-12345-2026-11-25.md"
    assert api.method_calls("chat.postMessage") == []


async def test_without_files_write_the_export_arrives_as_messages_and_says_why(api: FakeSlackApi) -> None:
    await sender(api).send("T1", [export()])
    assert api.uploads == [] and len(api.method_calls("files.getUploadURLExternal")) == 1
    (post,) = api.posted(channel="C1", thread_ts=THREAD.thread)
    text = str(post["blocks"])
    assert "missing_scope" in text and "files:write" in text and "VPN will not connect" in text


async def test_a_closing_note_stays_a_message(api: FakeSlackApi) -> None:
    api.workspaces["T1"].scopes = DEFAULT_SCOPES + ",files:write"
    await sender(api).send("T1", [export(upload=False, final=True, title="Session note")])
    assert api.uploads == [] and api.method_calls("files.getUploadURLExternal") == []
    (post,) = api.posted(channel="C1", thread_ts=THREAD.thread)
    assert "did not take this as a file" not in str(post["blocks"])


async def test_a_failed_byte_upload_falls_back_to_messages(api: FakeSlackApi) -> None:
    api.workspaces["T1"].scopes = DEFAULT_SCOPES + ",files:write"
    api.fail_next("/upload/v1/F0000001", status=500, body={"error": "boom"})
    await sender(api).send("T1", [export()])
    assert api.uploads == [] and api.method_calls("files.completeUploadExternal") == []
    (post,) = api.posted(channel="C1", thread_ts=THREAD.thread)
    assert "the upload did not go through" in str(post["blocks"])

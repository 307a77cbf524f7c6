"""Sharing in Slack, end to end: `/rf share public` gives a link that the served app opens as the redacted page
(and counts), and `/rf export html` arrives in the session's thread as a real file."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import aiohttp

from bot.engine.sharing.signing import token_hash
from tests.e2e.slack_transcript import WAIT_S, Slack, text_of, wait_count, wait_post

NOTE = "Jane reports jane.doe@example.com cannot reach 10.20.30.40 after the reboot"


async def test_a_public_link_opens_the_redacted_page_and_an_export_arrives_as_a_file(slack: Slack) -> None:
    api, user = slack.api, slack.user
    api.workspaces["T1"].scopes += ",files:write"
    await user.slash_command("start vpn-wont-connect #12345", user_id="U1", channel_id="C1")
    await wait_post(api, lambda d: "VPN will not connect" in text_of(d) and not d.get("thread_ts"))
    thread = next(m["ts"] for m in api.posted(channel="C1") if not m.get("thread_ts"))
    await wait_post(api, lambda d: d.get("thread_ts") == thread)  # the first step: the thread is the session's now
    await user.message_in_thread(NOTE, "C1", thread, "U1")
    await wait_count(api, "chat.postEphemeral", lambda d: "Note saved" in text_of(d), 1)

    await user.slash_command("share public 24h", user_id="U1", channel_id="C1")
    await wait_count(api, "chat.postEphemeral", lambda d: "/s/" in text_of(d), 1)
    said = next(text_of(p) for p in api.ephemerals() if "/s/" in text_of(p))
    found = re.search(r"https?://[^\s\"|>]+/s/[A-Za-z0-9_-]{43}", said)
    assert found is not None, said
    path = urlsplit(found.group(0)).path
    async with aiohttp.ClientSession() as http, http.get(slack.bot.url + path) as response:
        page = await response.text()
        assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Jane reports" in page and "jane.doe@example.com" not in page and "10.20.30.40" not in page
    async with slack.bot.app.database.uow() as uow:
        link = await uow.shares.by_token_hash(token_hash(found.group(0).rsplit("/", 1)[1]))
    assert link is not None and link.views == 1, "the view was counted"

    await user.slash_command("export html", user_id="U1", channel_id="C1")
    await api.wait_for(lambda _: bool(api.uploads), WAIT_S)
    (upload,) = api.uploads
    assert (upload.channel, upload.thread_ts) == ("C1", thread) and upload.filename.endswith(".html")
    assert b"Jane reports" in upload.data and b"jane.doe@example.com" not in upload.data

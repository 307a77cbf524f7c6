"""Attacks on the served Slack endpoint (the real app, its worker and the fake Slack Web API): forged, stale and
replayed signatures and oversized bodies are refused before anything is stored; mentions and disguised links typed
by people come back inert in everything the bot posts. One served bot (SQLite), many attacks: a few seconds."""

from __future__ import annotations

import io
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.e2e.slack_transcript import Slack, blocks_of, eventually, slack_session
from tests.fuzz.handlers.slack.test_render_fuzz import mrkdwn_texts

FORM = "application/x-www-form-urlencoded"
ATTACK = "<!channel> <!here> <@U0ADMIN> <https://evil.example|https://bank.example> <#C0SECRET>"
LIVE_SEQUENCES = ("<!channel>", "<!here>", "<@U0ADMIN>", "<https://evil", "<#C0SECRET>")


@pytest.fixture
async def slack(migrated_url: str) -> AsyncIterator[Slack]:
    async with slack_session(migrated_url) as session:
        yield session


async def inbox_is_empty(slack: Slack) -> bool:
    async with slack.bot.app.database.uow() as uow:
        return list(await uow.inbox.pending()) == []


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_forged_stale_replayed_and_oversized_requests_are_refused_and_store_nothing(slack: Slack) -> None:
    user = slack.user
    body = urlencode({"command": "/rf", "text": "start vpn", "team_id": "T1", "user_id": "U1", "channel_id": "C1"})
    body_bytes, now = (body + "&trigger_id=t1").encode(), int(time.time())
    other = user.verifier.generate_signature(timestamp=str(now), body=b"command=%2Frf&text=help")
    refused = {
        "stale (6 minutes old)": await user.raw(body_bytes, FORM, timestamp=str(now - 360)),
        "from the future": await user.raw(body_bytes, FORM, timestamp=str(now + 3600)),
        "zero signature": await user.raw(body_bytes, FORM, signature="v0=" + "0" * 64),
        "signature of another body": await user.raw(body_bytes, FORM, timestamp=str(now), signature=other),
        "wrong scheme": await user.raw(body_bytes, FORM, signature="v1=" + "a" * 64),
        "not a number timestamp": await user.raw(body_bytes, FORM, timestamp="yesterday"),
        "no signature headers": await user.raw(body_bytes, FORM, signed=False),
    }
    assert {what: reply.status for what, reply in refused.items()} == dict.fromkeys(refused, 401)
    for reply in refused.values():
        assert "Traceback" not in json.dumps(reply.body) and 'File "' not in json.dumps(reply.body)
    huge = urlencode({"payload": json.dumps({"type": "block_actions", "pad": "x" * (2 * 1024 * 1024)})}).encode()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(now)}
    headers["X-Slack-Signature"] = user.verifier.generate_signature(timestamp=str(now), body=huge) or ""
    async with aiohttp.ClientSession() as http, http.post(user.url, data=io.BytesIO(huge), headers=headers) as resp:
        assert resp.status == 413  # correctly signed, but over the 1 MiB bound: refused before it is read whole
        assert "Traceback" not in await resp.text()
    assert await inbox_is_empty(slack)
    assert not slack.api.calls  # nothing was posted to anyone


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_mentions_and_disguised_links_people_type_come_back_inert(slack: Slack) -> None:
    user = slack.user
    for text in (f"search {ATTACK}", f"start {ATTACK}", f"pilot {ATTACK}", f"note {ATTACK}", f"help {ATTACK}"):
        assert (await user.slash_command(text, user_id="U1", channel_id="C1")).status == 200

    async def answered() -> bool:
        return len([c for c in slack.api.calls if c.path.endswith(("postMessage", "postEphemeral", "update"))]) >= 5

    await eventually(answered, "an answer to each command")
    sent = [call.data for call in slack.api.calls if isinstance(call.data, dict)]
    assert any("evil.example" in json.dumps(data) for data in sent), "the attack was never shown back: proves nothing"
    for data in sent:  # Slack parses mentions and links in mrkdwn and in the message text, not in plain_text
        for text in [str(data.get("text", "")), *mrkdwn_texts(blocks_of(data))]:
            for sequence in LIVE_SEQUENCES:
                assert sequence not in text, (sequence, text[:400])

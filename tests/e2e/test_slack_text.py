"""What people type reaches Slack escaped, and long documents arrive split within Slack's limits."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bot.engine.model import SessionStatus, TimelineKind
from tests.e2e.slack_transcript import (
    WAIT_S,
    Slack,
    blocks_of,
    eventually,
    text_fields,
    text_of,
    wait_count,
    wait_post,
)
from tests.fakes.slack_api import FakeSlackApi

NOTE_SAVED = "Note saved"
SECTION_TEXT, MESSAGE_BLOCKS = 3000, 50  # platforms.md §1.6


async def _session(slack: Slack) -> str:
    """Start a VPN session in C1; returns its thread (the card's ts)."""
    api = slack.api
    await slack.user.slash_command("start vpn-wont-connect #12345", user_id="U1", channel_id="C1")
    await wait_post(api, lambda d: "VPN will not connect" in text_of(d) and not d.get("thread_ts"))
    card_ts = next(m["ts"] for m in api.posted(channel="C1") if not m.get("thread_ts"))
    await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "public website" in text_of(d))
    return card_ts


def _saved(data: dict[str, Any]) -> bool:
    return NOTE_SAVED in text_of(data)


def _received_texts(api: FakeSlackApi) -> Iterator[str]:
    """Every ``text`` the fake Web API received, in any call, at any depth."""
    for call in api.calls:
        data = dict(call.data) if isinstance(call.data, dict) else {}
        for key in ("blocks", "view"):
            if isinstance(data.get(key), str):
                data[key] = json.loads(data[key])
        yield from text_fields(data)


def _exports(api: FakeSlackApi, thread: str) -> list[dict[str, Any]]:
    return [p for p in api.posted(channel="C1", thread_ts=thread) if "Export (md)" in str(p.get("text"))]


async def test_typed_mentions_links_and_ampersands_arrive_escaped(slack: Slack) -> None:
    api, user = slack.api, slack.user
    thread = await _session(slack)
    step = next(p for p in api.posted(channel="C1", thread_ts=thread) if "public website" in text_of(p))
    assert step["text"] == "Step 1: With the VPN disconnected, can the user browse to a public website?"
    # what Slack sends when someone types "@channel see [click](https://evil.example) & *bold*"
    await user.message_in_thread("<!channel> see <https://evil.example|click> &amp; *bold*", "C1", thread, "U1")
    await wait_count(api, "chat.postEphemeral", _saved, 1)
    await user.slash_command("export md", user_id="U1", channel_id="C1")
    await api.wait_for(lambda c: bool(_exports(api, thread)), WAIT_S)

    export = "\n".join(text_fields(blocks_of(_exports(api, thread)[0])))
    # the Markdown export neutralises `<`, `|` and `*` with backslashes; Slack then sees `<`, `>` and `&` escaped
    assert "&lt;!channel&gt; see" in export and "&lt;https://evil.example" in export and "click&gt;" in export
    assert " &amp; " in export and "bold" in export
    texts = list(_received_texts(api))
    assert texts and not [t for t in texts if "<!channel>" in t or "<https://evil" in t or " & " in t]


async def test_a_long_export_is_split_over_messages_within_slacks_limits(slack: Slack) -> None:
    api, user = slack.api, slack.user
    thread = await _session(slack)
    markers = [f"mk{n:02d}mk" for n in range(40)]
    filler = " ".join(["the tunnel dropped again after the router reboot"] * 10)
    for marker in markers:
        await user.message_in_thread(f"{marker} {filler}"[:500], "C1", thread, "U1")

    async def all_recorded() -> bool:
        return set(re.findall(r"mk\d\dmk", " ".join(await _notes_recorded(slack)))) == set(markers)

    await eventually(all_recorded, "every note recorded")
    await user.slash_command("export md", user_id="U1", channel_id="C1")

    def delivered() -> str:
        return "\n".join(t for p in _exports(api, thread) for t in text_fields(blocks_of(p)))

    await api.wait_for(lambda _: all(marker in delivered() for marker in markers), WAIT_S)
    exports = _exports(api, thread)
    assert len(exports) > 1
    for message in exports:
        blocks = blocks_of(message)
        assert 0 < len(blocks) <= MESSAGE_BLOCKS
        sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
        assert sections and all(len(s) <= SECTION_TEXT for s in sections)
        assert all(s.startswith("```") and s.endswith("```") for s in sections), "each piece keeps its code block"
    # nothing lost or repeated by the split, and no line cut in two (the pieces are cut at line boundaries)
    lines = [line for line in delivered().splitlines() if line.strip() and line != "```"]
    headings = [line for line in lines if line.startswith(("**VPN will not connect**", "### "))]
    assert len(headings) == len(set(headings)) == 6, headings
    notes = [line for line in lines if "Note:" in line]
    assert {m for line in notes for m in re.findall(r"mk\d\dmk", line)} == set(markers)
    assert all(line.endswith("the router reboot") for line in notes)


async def _notes_recorded(slack: Slack) -> list[str]:
    async with slack.bot.app.database.uow() as uow:
        team = await uow.teams.get_by_name("slack:T1")
        assert team is not None
        user = await uow.users.by_identity(team.id, "slack", "U1")
        assert user is not None
        (session,) = await uow.sessions.for_engineer(team.id, user.id, list(SessionStatus), 5)
        return [e.answer for e in await uow.sessions.timeline(team.id, session.id) if e.kind is TimelineKind.NOTE]

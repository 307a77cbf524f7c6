"""FlowPilot end to end in Teams: the real served app behind the SDK's JWT check, Claude at the loopback Anthropic
fake, ConnectWise at its fake, and what the bot sent read back from the fake Bot Connector.

In Dana's 1:1 chat FlowPilot's reply streams with Teams' streaming protocol (an informative update, the text as it
is written, at most one request a second, then the card as the final message); she answers by button and in
words, resolves, confirms, and exactly one resolution note lands on the ticket. In a channel thread, where Teams
does not stream, the same reply is posted and edited in place, about once a second. Files shared in the 1:1 chat
reach Claude on the next turn: a pasted screenshot as an image, a log as redacted text; an .exe is refused."""

from __future__ import annotations

import base64
import itertools
from collections.abc import AsyncIterator

import pytest

from bot.handlers.teams import texts
from tests.e2e.pilot_script import chat, question
from tests.e2e.teams_pilot_script import PacedModel, TeamsPilot, buttons, teams_pilot, wait_card
from tests.e2e.teams_server import text_of
from tests.fakes.anthropic_wire import Json
from tests.fakes.connector_streams import stream_info
from tests.fakes.teams_roster import TEAM_ID

PROBLEM = "Outlook keeps asking for the password on one laptop"
FIRST = (
    "Let's narrow it down first, because a password prompt that keeps coming back usually has one of a few causes: "
    "a stale cached credential, a conditional access policy, or a profile that lost its token after an update. "
    "Knowing who is affected tells us which of these to chase."
)
NOTE = {
    "problem": "Outlook on one laptop kept asking the user to sign in again.",
    "what_we_confirmed": "- Only one user was affected.\n- Credential Manager held a stale Office entry.",
    "root_cause": "A stale cached Office sign-in token.",
    "resolution": "We cleared the cached Office token; Outlook signs in normally again.",
}
SCRIPT = PacedModel(
    turns=[
        (FIRST, question(0.3, "Who is affected?", ["One user", "Everyone"])),
        ("Tell me exactly what the prompt says when it appears.", chat(0.35)),
        ("That points at a stale Office token in Credential Manager.", chat(0.6)),
    ],
    document=NOTE,
    slow=frozenset({1}),
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SECRET = "Hunter2!xyz"
LOG = (
    "2026-03-02 09:14:07 VPN tunnel up\n"
    f"2026-03-02 09:14:09 auth: user=alice password={SECRET} from 10.20.30.40\n"
    "2026-03-02 10:14:09 IKE SA expired, tunnel down\n"
).encode()


@pytest.fixture
async def pilot(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TeamsPilot]:
    """The rig with the script above, on each kind of database."""
    async with teams_pilot(migrated_url, monkeypatch, SCRIPT) as rig:
        yield rig


def kinds(stream: list[Json]) -> list[str]:
    return [str((stream_info(c) or {}).get("streamType")) for c in stream]


async def test_a_reply_streams_in_the_1to1_chat_and_the_session_ends_in_one_note(pilot: TeamsPilot) -> None:
    p, user = pilot, pilot.teams.user
    assert await user.personal_message(f"pilot {PROBLEM} #12345") == (202, "")
    asked = await p.reply_with("Who is affected?")
    assert buttons(asked)[:4] == ["One user", "Everyone", "Answer in words", "Skip"]

    # the reply streamed: informative, the text as it was written (cumulative), then the card as the final message
    [(stream_id, stream)] = list(p.streams(p.chat).items())
    bodies = [c.body for c in stream]
    assert kinds(bodies)[0] == "informative" and kinds(bodies)[-1] == "final"
    assert kinds(bodies)[1:-1] and set(kinds(bodies)[1:-1]) == {"streaming"}, "text was streamed while written"
    written = [b["text"] for b in bodies[1:-1]]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(written))
    assert written[-1] in FIRST.replace("\n", " ") and all(b["type"] == "typing" for b in bodies[:-1])
    assert [(stream_info(b) or {}).get("streamSequence") for b in bodies[:-1]] == list(range(1, len(bodies)))
    assert all(c.ok and c.authorization.startswith("Bearer ") for c in stream)
    assert all(later.at - earlier.at >= 1.0 for earlier, later in itertools.pairwise(stream)), "≤ 1 request/s"
    assert asked["id"] == stream_id and "Who is affected?" in text_of(bodies[-1])
    assert p.connector.updates(p.chat) == [] or all(u["id"] != stream_id for u in p.connector.updates(p.chat))

    # Dana answers by button: the task lane shows the answer, and the next reply streams too
    assert await p.click(asked, "One user") == (200, _working())
    await p.message(lambda m: "Task lane" in text_of(m) and "→ One user" in text_of(m), "the answer in the lane")
    await p.reply_with("what the prompt says")
    assert len(p.streams(p.chat)) == 2, "the second reply streamed too"

    await user.personal_message("It says the password is incorrect, then asks again.")
    await p.reply_with("stale Office token")
    assert "It says the password is incorrect" in "\n".join(str(b["messages"]) for b in p.turn_calls()[2:])

    await user.personal_message("resolve")
    preview = await p.message(lambda m: "Confirm & post" in buttons(m), "the resolution note preview")
    assert NOTE["root_cause"] in text_of(preview)
    status, _ = await p.click(preview, "Confirm & post")
    assert status == 200
    await p.notes_posted(2)
    (note,) = p.notes("resolutionFlag")
    assert NOTE["resolution"] in note["text"] and note["member"]["identifier"] == "dtech"
    await p.message(lambda m: "posted to ticket #12345 as note #" in text_of(m), "the chat saying it was posted")
    assert len(p.notes()) == 2 and len(p.notes("resolutionFlag")) == 1


def _working() -> Json:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": texts.WORKING}


async def test_in_a_channel_thread_the_reply_is_edited_in_place_not_streamed(pilot: TeamsPilot) -> None:
    p, user = pilot, pilot.teams.user
    assert await user.channel_message(f"pilot {PROBLEM} #12345") == (202, "")
    thread = f"{TEAM_ID};messageid={user.last_activity['id']}"
    asked = await p.reply_with("Who is affected?", thread)
    assert buttons(asked)[:2] == ["One user", "Everyone"]
    assert p.stream_calls() == [], "Teams streams only in 1:1 chats"

    placeholder = await wait_card(p, "thinking", thread)
    assert placeholder["id"] == asked["id"], "the placeholder became the reply"
    puts = [u for u in p.connector.updates() if u["id"] == asked["id"]]
    partial = [u for u in puts if "▍" in text_of(u)]
    assert partial and "▍" not in text_of(puts[-1]), "seen while written, then finished in place"
    assert len(puts) <= 6, "edits are coalesced (about one a second over a three-second reply)"
    times = [c.at for c in p.connector.calls_for("update") if c.activity_id == asked["id"] and "▍" in str(c.body)]
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(times))


async def test_files_shared_in_the_1to1_chat_reach_claude_and_an_exe_is_refused(pilot: TeamsPilot) -> None:
    p, user, connector = pilot, pilot.teams.user, pilot.connector
    await user.personal_message(f"pilot {PROBLEM}")
    await p.reply_with("Who is affected?")

    screenshot, log = connector.add_inline_image(PNG), connector.add_upload("vpnagent.log", LOG)
    exe = connector.add_upload("setup.exe", b"MZ\x90\x00" * 64)
    assert await user.personal_message("here is what the user sees", files=[screenshot, log, exe]) == (202, "")
    refused = await p.message(lambda m: "setup.exe was not passed" in text_of(m), "the .exe refused in the chat")
    assert "only images (PNG, JPEG, GIF, WebP), PDFs and text files are" in text_of(refused)

    await p.reply_with("what the prompt says")
    body = p.turn_calls()[1]
    blocks = [b for b in body["messages"][-1]["content"] if isinstance(b, dict)]
    (image,) = [b for b in blocks if b["type"] == "image"]
    assert image["source"] == {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()}
    (document,) = [b for b in blocks if b["type"] == "document"]
    assert document["title"] == "vpnagent.log" and document["source"]["type"] == "text"
    text = document["source"]["data"]
    assert "IKE SA expired, tunnel down" in text and "[REDACTED:password]" in text and "10.20.30.40" not in text
    assert SECRET not in p.model.all_sent_text()
    downloads = {(d.kind, d.status, d.authorization.split(" ")[0]) for d in connector.downloads}
    assert downloads == {("inline", 200, "Bearer"), ("upload", 200, "")}, "the token goes to the connector only"
    assert len(connector.downloads) == 2, "the .exe is never fetched"

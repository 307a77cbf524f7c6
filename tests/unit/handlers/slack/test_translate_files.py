"""Files shared in Slack -> neutral ``FileRef``s on the engine's events (name, type, size, an opaque locator)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.engine import codec
from bot.engine.events import CommandIssued, FileRef, MessageReceived
from bot.handlers.slack import translate

FIXTURES = Path(__file__).parents[3] / "fixtures" / "slack"
AT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
TEAM, BOT = "team-ours", "UBOT"
SCREENSHOT = FileRef(
    "screenshot.png",
    "image/png",
    48213,
    "slack",
    {"id": "F0SCREEN01", "url": "https://files.slack.com/files-pri/T1-F0SCREEN01/download/screenshot.png"},
)
LOG = FileRef(
    "vpnagent.log",
    "text/plain",
    2311,
    "slack",
    {"id": "F0LOG00002", "url": "https://files.slack.com/files-pri/T1-F0LOG00002/download/vpnagent.log"},
)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def translated(name: str, **changes: Any) -> MessageReceived | CommandIssued | None:
    envelope = copy.deepcopy(load(name))
    event = {k: v for k, v in {**envelope["event"], **changes}.items() if v is not None}
    return translate.message_event(event, envelope, TEAM, AT, BOT)


def test_a_file_alone_in_the_bots_thread_is_a_message_with_its_files() -> None:
    event = translated("event_file_share")
    assert isinstance(event, MessageReceived)
    assert event.text == "" and event.files == (SCREENSHOT, LOG)
    assert (event.conversation.thread, event.event_id) == ("1700000000.000100", "slack:ev:Ev04FILES")


def test_files_with_text_keep_both_and_survive_the_inbox() -> None:
    event = translated("event_file_share", text="here is what the user sees &amp; the log")
    assert isinstance(event, MessageReceived)
    assert event.text == "here is what the user sees & the log" and len(event.files) == 2
    assert codec.decode(codec.encode(event)) == event


def test_a_plain_message_with_a_files_array_counts_too() -> None:
    event = translated("event_file_share", subtype=None, text="see attached")
    assert isinstance(event, MessageReceived) and event.files == (SCREENSHOT, LOG)


@pytest.mark.parametrize(
    ("changes", "kind", "name"),
    [
        ({"type": "app_mention", "text": "<@UBOT>", "thread_ts": None, "subtype": None}, CommandIssued, "pilot"),
        ({"type": "app_mention", "text": "<@UBOT> pilot VPN drops", "thread_ts": None}, CommandIssued, "pilot"),
        ({"type": "app_mention", "text": "<@UBOT>", "subtype": None}, MessageReceived, ""),
        ({"channel": "D1", "channel_type": "im", "thread_ts": None, "parent_user_id": None}, CommandIssued, "pilot"),
        ({"channel": "D1", "channel_type": "im", "parent_user_id": None}, MessageReceived, ""),
    ],
)
def test_mentions_and_dms_carry_their_files(changes: dict[str, Any], kind: type, name: str) -> None:
    event = translated("event_file_share", **changes)
    assert isinstance(event, kind)
    assert event is not None and event.files == (SCREENSHOT, LOG)  # type: ignore[union-attr]
    if isinstance(event, CommandIssued):
        assert event.name == name
        assert codec.decode(codec.encode(event)) == event


def test_url_private_is_the_fallback_and_odd_entries_are_left_out() -> None:
    files = copy.deepcopy(load("event_file_share")["event"]["files"])
    del files[0]["url_private_download"]
    files[1]["mode"] = "tombstone"  # deleted since
    files += [{"name": "no id"}, "junk", {"id": "F3", "size": "12"}]
    refs = translate.files_of({"files": files})
    assert [r.locator for r in refs] == [
        {"id": "F0SCREEN01", "url": "https://files.slack.com/files-pri/T1-F0SCREEN01/screenshot.png"},
        {"id": "F3", "url": ""},
    ]
    assert (refs[1].name, refs[1].mime_type, refs[1].size) == ("F3", "", 0)


def test_at_most_twenty_files_and_long_names_are_cut() -> None:
    one = {"id": "F1", "name": "x" * 500, "mimetype": "image/png", "size": 10, "url_private": "https://x"}
    refs = translate.files_of({"files": [one] * 30})
    assert len(refs) == translate.MAX_FILES and len(refs[0].name) == 200


@pytest.mark.parametrize("changes", [{"files": []}, {"files": None}, {"files": "nope"}])
def test_an_empty_message_without_files_is_still_ignored(changes: dict[str, Any]) -> None:
    assert translated("event_file_share", **changes) is None

"""``bot.pilot.clean``: markers and raw JSON never reach the engineer; scripts do."""

from __future__ import annotations

import itertools

import pytest

from bot.pilot.clean import MARKERS, clean_message, stream_preview

SCRIPT = '```powershell\nRestart-Service -Name Spooler\n$h = @{"a"=1}\n```'


@pytest.mark.parametrize("marker", MARKERS)
def test_each_marker_and_its_payload_is_removed(marker: str) -> None:
    text = f'Restart the spooler.\n\n{marker}: [{{"text": "x"}}]\nThen print a test page.'
    assert clean_message(text) == "Restart the spooler.\n\nThen print a test page."


def test_markers_in_bold_on_their_own_line_and_without_json() -> None:
    assert clean_message('Done.\n**PROMOTE:**\n["a fact"]') == "Done."
    assert clean_message("Done.\nACTIONS: restart it") == "Done."


def test_raw_json_anywhere_and_json_code_blocks_are_removed() -> None:
    text = 'See {"kind": "chat", "message": "hi"} here.\n```json\n{"a": 1}\n```\n```\n[{"b": 2}]\n```\nEnd.'
    assert clean_message(text) == "See here.\n\nEnd."


def test_scripts_and_ordinary_text_are_kept() -> None:
    text = f"Run this:\n{SCRIPT}\nIt uses [brackets] and {{braces}} in prose."
    assert clean_message(text) == text


def test_stream_preview_holds_back_markers_and_unfinished_json() -> None:
    assert stream_preview("Checking the queue now.\nQUEST") == "Checking the queue now."
    assert stream_preview('Checking.\nQUESTIONS: [{"te') == "Checking."
    assert stream_preview('Checking. {"kind": "cha') == "Checking."
    assert stream_preview("Checking.\n```json\n{") == "Checking."
    assert stream_preview(f"Run:\n{SCRIPT[:-3]}") == f"Run:\n{SCRIPT[:-3]}".rstrip()


def test_stream_preview_only_grows_for_plain_prose() -> None:
    text = "One two three. " * 20
    previews = [stream_preview(text[:i]) for i in range(0, len(text), 7)]
    assert all(b.startswith(a) for a, b in itertools.pairwise(previews))

"""Command words shared by the chat adapters."""

from __future__ import annotations

import pytest

from bot.handlers.commands import COMMAND_WORDS, is_command, split_command


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("start vpn #123", ("start", "vpn #123")),
        ("  STATUS  ", ("status", "")),
        ("note  a  b ", ("note", "a  b")),
        ("", ("", "")),
    ],
)
def test_split_command(text: str, split: tuple[str, str]) -> None:
    assert split_command(text) == split


def test_everyday_sentences_are_not_commands() -> None:
    assert is_command("Start vpn") and is_command("help")
    assert not is_command("run the script again") and not is_command("find it odd")
    assert {"start", "help", "pilot", "note"} <= COMMAND_WORDS and "admin" not in COMMAND_WORDS

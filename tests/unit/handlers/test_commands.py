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
    assert is_command(*split_command("Start vpn")) and is_command(*split_command("help"))
    assert not is_command(*split_command("run the script again")) and not is_command(*split_command("find it odd"))


def test_admin_is_a_command_only_alone_or_before_its_sub_commands() -> None:
    assert is_command("admin", "") and is_command("admin", "psa") and is_command("admin", "escalation-channel here")
    assert not is_command("admin", "account locked out since Monday")
    assert is_command("escalate", "@lee the tunnel drops") and is_command("park", "")
    assert {"start", "help", "pilot", "note"} <= COMMAND_WORDS and "admin" not in COMMAND_WORDS

"""``/attach PATH [text]`` in the console: a message carrying a local file, read within the cap for FlowPilot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.engine.events import Actor, FileRef, MessageReceived
from bot.engine.file_fetch import FileTooLarge, FileUnavailable
from bot.engine.pilot import files as rules
from bot.handlers.console.files import ConsoleFiles
from bot.handlers.console.translate import InputError, Who, conversation_for, translate

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WHO = Who("team-1", Actor("console", "alice", "Alice"), conversation_for("acme", "alice"))


@pytest.mark.parametrize(
    ("line", "text", "ref"),
    [
        ("/attach shot.png", "", FileRef("shot.png", "image/png", 0, "console", {"path": "shot.png"})),
        (
            '/attach "C:\\my logs\\vpn.log" the agent log',
            "the agent log",
            FileRef("vpn.log", "", 0, "console", {"path": "C:\\my logs\\vpn.log"}),
        ),
        (
            "/ATTACH /tmp/r.pdf  see p2",
            "see p2",
            FileRef("r.pdf", "application/pdf", 0, "console", {"path": "/tmp/r.pdf"}),
        ),
    ],
)
def test_attach_is_a_message_with_a_file(line: str, text: str, ref: FileRef) -> None:
    event = translate(line, [], WHO, AT, 7)
    assert isinstance(event, MessageReceived) and event.text == text and event.event_id == "console:7"
    (got,) = event.files
    assert (got.name, got.size, got.platform, got.locator) == (ref.name, ref.size, ref.platform, ref.locator)
    assert rules.kind_of(got) is rules.kind_of(ref)


@pytest.mark.parametrize("line", ["/attach", "/attach   ", '/attach "unclosed path'])
def test_attach_needs_a_path(line: str) -> None:
    with pytest.raises(InputError):
        translate(line, [], WHO, AT, 1)


async def test_the_file_is_read_within_the_cap(tmp_path: Path) -> None:
    log = tmp_path / "agent.log"
    log.write_bytes(b"tunnel down; password=Hunter2!xyz\n")
    ref = FileRef("agent.log", "", 0, "console", {"path": str(log)})
    files = ConsoleFiles()
    assert await files.fetch("team-1", ref, 1000) == log.read_bytes()
    with pytest.raises(FileTooLarge):
        await files.fetch("team-1", ref, 10)
    for path, why in ((tmp_path / "nope.log", "no such file"), (tmp_path, "folder")):
        with pytest.raises(FileUnavailable, match=why):
            await files.fetch("team-1", FileRef("x.log", "", 0, "console", {"path": str(path)}), 1000)
    gathered = await rules.gather({"console": files}, "team-1", [ref])
    (attachment,) = gathered.attachments
    assert attachment.mime_type == "text/plain" and b"Hunter2!xyz" not in attachment.data

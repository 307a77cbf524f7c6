"""Files shared in a FlowPilot thread: named in the timeline, refused plainly when FlowPilot cannot read them, and
passed to the next turn (images, PDFs, redacted text) through the ``FileFetcher`` port (an in-memory fake here)."""

from __future__ import annotations

import pytest

from bot.engine import codec
from bot.engine.copilot import Attachment, Brief, ModelTier, PilotTurn, TextSink
from bot.engine.engine import Engine
from bot.engine.events import FileRef, MessageReceived
from bot.engine.file_fetch import FileUnavailable
from bot.engine.model import TimelineKind
from bot.engine.pilot import files
from bot.engine.pilot.services import PilotServices
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat
from tests.fakes.memory_files import MemoryFiles
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj << /Type /Page >> endobj\n%%EOF"
LOG = b"12:00:01 login admin password=Hunter2!x from 10.1.2.3\n12:00:02 tunnel down\n"


class RecordingCopilot(OfflineCopilot):
    """The offline copilot, in Claude's clothes, keeping every turn's brief."""

    mode = "claude"

    def __init__(self) -> None:
        super().__init__()
        self.briefs: list[Brief] = []

    async def turn(self, brief: Brief, tier: ModelTier, stream: TextSink | None = None) -> PilotTurn:
        self.briefs.append(brief)
        return await super().turn(brief, tier, stream)


@pytest.fixture
def store() -> MemoryFiles:
    return MemoryFiles()


@pytest.fixture
def copilot() -> RecordingCopilot:
    return RecordingCopilot()


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, copilot: RecordingCopilot, store: MemoryFiles) -> Engine:
    services = PilotServices(copilot, OfflineCopilot(), files={"test": store})
    return Engine(db, clock, SequentialIds(), pilot=services)


async def share(chat: Chat, text: str, *refs: FileRef) -> str:
    """``chat`` posts ``text`` with files in its thread; returns the text of the replies."""
    await chat._run(MessageReceived(text=text, files=refs, **chat._base()))  # type: ignore[arg-type]
    return chat.text()


async def run_work(engine: Engine, db: MemoryDatabase, chat: Chat) -> str:
    """Run the queued copilot work like the worker does; returns the text of its replies."""
    async with db() as uow:
        items = [i for i in await uow.inbox.pending(100) if i.payload.get("type") == "PilotWork"]
    chat.last = [r for item in items for r in await engine.handle(codec.decode(item.payload), inbox_id=item.id)]
    return chat.text()


async def timeline(db: MemoryDatabase) -> list[str]:
    async with db() as uow:
        session = next(iter(uow.state.sessions.values()))
        return [e.answer for e in await uow.sessions.timeline(session.team_id, session.id) if e.answer]


async def pilot_session(engine: Engine, db: MemoryDatabase, chat: Chat) -> None:
    await chat.say("/pilot the VPN drops every hour")
    await run_work(engine, db, chat)


async def test_a_screenshot_and_a_log_reach_the_next_turn_the_log_redacted(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: RecordingCopilot, store: MemoryFiles, team_id: str
) -> None:
    await pilot_session(engine, db, alice)
    screenshot, log = store.share("screenshot.png", "image/png", PNG), store.share("agent.log", "text/plain", LOG)
    await share(alice, "", screenshot, log)
    assert "Shared screenshot.png, agent.log." in await timeline(db)
    await run_work(engine, db, alice)
    image, text = copilot.briefs[-1].attachments
    assert image == Attachment("screenshot.png", "image/png", PNG)
    assert (text.name, text.mime_type) == ("agent.log", "text/plain")
    assert b"Hunter2!x" not in text.data and b"10.1.2.3" not in text.data and b"tunnel down" in text.data
    caps = {file_id: cap for _, file_id, cap in store.fetched}
    assert caps == {"f1": files.MAX_BYTES[files.FileKind.IMAGE], "f2": files.MAX_BYTES[files.FileKind.TEXT]}
    assert {team for team, _, _ in store.fetched} == {team_id}
    await alice.say("anything else?")
    await run_work(engine, db, alice)
    assert copilot.briefs[-1].attachments == () and len(store.fetched) == 2  # a file goes with one turn only


async def test_an_exe_is_refused_at_once_and_alone_it_asks_nothing(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: RecordingCopilot, store: MemoryFiles
) -> None:
    await pilot_session(engine, db, alice)
    text = await share(alice, "", store.share("setup.exe", "application/x-msdownload", b"MZ"))
    assert "setup.exe was not passed to FlowPilot: only images (PNG, JPEG, GIF, WebP), PDFs and text files are." in text
    assert "thinking" not in text.lower()
    assert await run_work(engine, db, alice) == "" and store.fetched == []
    assert "Shared setup.exe." in await timeline(db)


async def test_a_file_over_its_cap_is_refused_when_shared(
    engine: Engine, db: MemoryDatabase, alice: Chat, store: MemoryFiles
) -> None:
    await pilot_session(engine, db, alice)
    big = store.share("dump.log", "text/plain", b"x", size=3 * 1024 * 1024)
    text = await share(alice, "here is the dump", big)
    assert "dump.log was not passed to FlowPilot: it is 3.0 MB, over the 200 KB limit for text files." in text
    await run_work(engine, db, alice)
    assert store.fetched == []


async def test_a_failed_download_skips_that_file_not_the_turn(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: RecordingCopilot, store: MemoryFiles
) -> None:
    await pilot_session(engine, db, alice)
    gone = store.breaks("old.png", "image/png", FileUnavailable("it was deleted"))
    crashing = store.breaks("odd.pdf", "application/pdf", RuntimeError("boom"))
    liar = store.share("small.png", "image/png", PNG + b"\x00" * files.MAX_BYTES[files.FileKind.IMAGE], size=10)
    fake = store.share("photo.jpg", "image/jpeg", b"<html>not an image</html>")
    fine = store.share("report.pdf", "application/pdf", PDF)
    await share(alice, "what do you make of these?", gone, crashing, liar, fake, fine)
    text = await run_work(engine, db, alice)
    assert "old.png was not passed to FlowPilot: it could not be downloaded (it was deleted)." in text
    assert "odd.pdf was not passed to FlowPilot: it could not be downloaded (an unexpected error)." in text
    assert "small.png was not passed to FlowPilot: it is over the 3.8 MB limit for images." in text
    assert "photo.jpg was not passed to FlowPilot: its content is not a PNG, JPEG, GIF or WebP image." in text
    assert copilot.briefs[-1].attachments == (Attachment("report.pdf", "application/pdf", PDF),)


async def test_a_turn_takes_at_most_five_files(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: RecordingCopilot, store: MemoryFiles
) -> None:
    await pilot_session(engine, db, alice)
    await share(alice, "", *(store.share(f"s{n}.png", "image/png", PNG) for n in range(6)))
    text = await run_work(engine, db, alice)
    assert len(copilot.briefs[-1].attachments) == files.TURN_MAX_FILES
    assert "s5.png was not passed to FlowPilot: it reads at most 5 files per turn." in text


async def test_a_file_in_a_guided_flow_is_a_note_that_names_it(
    engine: Engine, db: MemoryDatabase, alice: Chat, store: MemoryFiles
) -> None:
    await alice.say("/start vpn-test")
    text = await share(alice, "", store.share("router.jpg", "image/jpeg", b"\xff\xd8\xff\xe0"))
    assert "Note saved" in text and "not passed" not in text
    assert "Shared router.jpg." in await timeline(db)
    await alice.say("/export md")
    assert "Shared router.jpg." in "".join(a.content for a in alice.attachments())


async def test_a_dm_with_only_a_screenshot_starts_flowpilot_with_it(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: RecordingCopilot, store: MemoryFiles
) -> None:
    from bot.engine.events import CommandIssued

    ref = store.share("error.png", "image/png", PNG)
    await alice._run(CommandIssued(name="pilot", args="", files=(ref,), **alice._base()))  # type: ignore[arg-type]
    await run_work(engine, db, alice)
    assert copilot.briefs[0].attachments == (Attachment("error.png", "image/png", PNG),)
    async with db() as uow:
        assert next(iter(uow.state.sessions.values())).intake_type.value == "screenshot"


@pytest.mark.parametrize(
    ("name", "mime", "kind"),
    [
        ("a.png", "image/png", files.FileKind.IMAGE),
        ("a.PNG", "", files.FileKind.IMAGE),
        ("a.jpg", "image/jpg", files.FileKind.IMAGE),
        ("a.heic", "image/heic", None),
        ("scan.pdf", "application/octet-stream", files.FileKind.PDF),
        ("fix.ps1", "application/octet-stream", files.FileKind.TEXT),
        ("fix.ps1", "application/x-powershell", files.FileKind.TEXT),
        ("install.sh", "application/x-sh", files.FileKind.TEXT),
        ("data.csv", "text/csv", files.FileKind.TEXT),
        ("cfg.yaml", "application/x-yaml", files.FileKind.TEXT),
        ("page.html", "text/html", None),
        ("setup.exe", "application/x-msdownload", None),
        ("movie.mp4", "video/mp4", None),
        ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
    ],
)
def test_what_flowpilot_reads(name: str, mime: str, kind: files.FileKind | None) -> None:
    assert files.kind_of(FileRef(name, mime, 10, "test")) is kind


def test_text_is_decoded_from_utf8_or_utf16_and_binary_is_not_text() -> None:
    assert files.decode_text("café ✓".encode()) == "café ✓"
    assert files.decode_text("Get-Service".encode("utf-16")) == "Get-Service"  # PowerShell 5 writes UTF-16
    assert files.decode_text(b"PK\x03\x04\x00\x00binary") is None


def test_timeline_entries_since_the_last_reply_give_the_files() -> None:
    from datetime import UTC, datetime

    from bot.engine.model import TimelineEntry

    def entry(kind: TimelineKind, *names: str) -> TimelineEntry:
        refs = [FileRef(n, "image/png", 1, "test") for n in names]
        return TimelineEntry("id", "t", "s", datetime.now(UTC), kind, "u", "U", detail=files.files_detail(refs))

    history = [
        entry(TimelineKind.PILOT_ASKED, "old.png"),
        entry(TimelineKind.PILOT_REPLIED),
        entry(TimelineKind.PILOT_ASKED, "a.png", "b.png"),
        entry(TimelineKind.NOTE, "c.png"),
    ]
    assert [r.name for r in files.refs_since_reply(history)] == ["a.png", "b.png", "c.png"]

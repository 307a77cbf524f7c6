"""The console loop with the real engine over the in-memory store: scripted input, forms, saved notes."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bot.engine.engine import Engine
from bot.engine.events import Actor
from bot.flows.model import FlowStatus
from bot.handlers.console.loop import ConsoleLoop, ScriptLines, start_command
from bot.handlers.console.sender import ConsoleSender
from bot.handlers.console.translate import PLATFORM, Who, conversation_for
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.conftest import MFA, ONBOARD, VPN


async def run(script: list[str], first: str, tmp_path: Path, stop_after_note: bool = False) -> tuple[str, Path]:
    db, clock = MemoryDatabase(), FakeClock()
    engine = Engine(db, clock, SequentialIds())
    team = await engine.ensure_team("acme")
    async with db() as uow:
        for flow in (VPN, MFA, ONBOARD):
            await uow.flows.save(None, flow, flow.key, FlowStatus.PUBLISHED)
        await uow.commit()
    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None)
    sender = ConsoleSender(console, tmp_path / "notes")
    who = Who(team, Actor(PLATFORM, "sam", "Sam"), conversation_for("acme", "sam"))
    loop = ConsoleLoop(
        engine, who, sender, ScriptLines(script, console.print), clock.now, stop_after_note=stop_after_note
    )
    assert await loop.run(first) == 0
    return out.getvalue(), tmp_path / "notes"


async def test_scripted_troubleshooting_session(tmp_path: Path) -> None:
    script = ["# comments and blank lines are skipped", "", "1", "=done", "=yes", "1", "-", "-", "/export html"]
    text, notes = await run(script, start_command("vpn-test", "#321"), tmp_path)
    assert "Does the internet work without the VPN?" in text and "Resolved by Sam" in text
    saved = sorted(p.name for p in notes.iterdir())
    assert saved == ["rf-note-321-2026-11-25.html", "rf-note-321-2026-11-25.md"]
    assert "Restarted the VPN client service." in (notes / "rf-note-321-2026-11-25.md").read_text()


async def test_bad_choice_is_explained_and_ignored(tmp_path: Path) -> None:
    text, _ = await run(["9", "=nope", "/quit"], "/start vpn-test", tmp_path)
    assert "Pick a number from 1 to" in text and "matches 0 choices" in text and "session stays open" in text


async def test_forms_are_prompted_field_by_field(tmp_path: Path) -> None:
    text, _ = await run(["jdoe", "-", "1", "1", "SKU-1"], "/start onboard-test", tmp_path)
    assert "Username: jdoe" in text and "Create jdoe" in text and "Licence SKU assigned: SKU-1" in text


async def test_interactive_mode_stops_after_the_note(tmp_path: Path) -> None:
    text, _ = await run(
        ["1", "1", "1", "1", "-", "-", "/export txt"], "/start vpn-test", tmp_path, stop_after_note=True
    )
    assert "Export ready" not in text


def test_start_command() -> None:
    assert start_command("", "") == "/list"
    assert start_command("vpn", "12345") == "/start vpn #12345"
    assert start_command("vpn", "#12345") == "/start vpn #12345"

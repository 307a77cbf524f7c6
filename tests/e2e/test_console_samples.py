"""A scripted console session through every bundled sample flow produces a complete note in all three formats."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bot.flows.loader import load_bundled
from tests.e2e.cli import Rfbot
from tests.e2e.scripts import script_for

FLOWS = {f.key: f for f in load_bundled()}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database with the bundled flows, copied for each test."""
    folder = tmp_path_factory.mktemp("seed")
    rfbot = Rfbot(folder, f"sqlite:///{folder / 'seed.db'}")
    rfbot("db", "upgrade")
    rfbot("flows", "import", "--bundled")
    return folder / "seed.db"


@pytest.mark.parametrize("key", sorted(FLOWS))
def test_scripted_console_session_writes_complete_notes(key: str, prepared: Path, tmp_path: Path) -> None:
    db = tmp_path / "rfbot.db"
    db.write_bytes(prepared.read_bytes())
    walk = script_for(FLOWS[key], FLOWS)
    script = tmp_path / "answers.txt"
    script.write_text("\n".join(walk.lines) + "\n", encoding="utf-8")
    ticket = str(40000 + sorted(FLOWS).index(key))
    result = Rfbot(tmp_path, f"sqlite:///{db}")(
        "console", "--flow", key, "--ticket", ticket, "--user", "sam", "--script", str(script)
    )
    notes = tmp_path / "var" / "notes"
    bodies = {p.suffix: p.read_text(encoding="utf-8") for p in notes.iterdir()}
    assert set(bodies) == {".md", ".txt", ".html"}, (sorted(notes.iterdir()), result.stdout[-3000:])
    header = f"{FLOWS[key].name} | Ticket: #{ticket} | Engineer: sam | Date: "
    assert bodies[".txt"].splitlines()[0].startswith(header)
    assert "Status: resolved" in bodies[".txt"].splitlines()[0]
    for suffix, body in bodies.items():
        plain = (
            body.replace("\\", "")
            if suffix == ".md"
            else html.unescape(re.sub(r"<[^>]+>", "", body))
            if suffix == ".html"
            else body
        )
        flat = " ".join(plain.split())
        for phrase in walk.expect:
            assert " ".join(phrase.split()) in flat, f"{suffix}: missing {phrase!r}\n{body[:4000]}"

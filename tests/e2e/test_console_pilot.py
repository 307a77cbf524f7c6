"""FlowPilot in `rfbot console`: a free-form session from `/pilot` to the note, offline (no credentials, as in
`make demo`) and with Claude pointed at the loopback Anthropic fake; what the engineer typed is masked in what the
console shows, in the note's file name and in what the model received."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.cli import Rfbot
from tests.e2e.pilot_script import DEEP, FAST, KEY, ScriptedModel, chat, purpose_of, question
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.anthropic_wire import strings

PROBLEM = "Outlook keeps asking for the password since the monthly updates, user pat@example.com"
NOTE = {
    "problem": "Outlook on one laptop kept asking the user to sign in again.",
    "what_we_confirmed": "- Only one user was affected.",
    "root_cause": "A stale cached Office sign-in token.",
    "resolution": "We cleared the cached Office token; Outlook signs in normally again.",
}
MODEL = ScriptedModel(
    turns=[
        ("Let's narrow it down first.", question(0.3, "Who is affected?", ["One user", "Everyone"])),
        ("Thanks. Tell me exactly what the prompt says.", chat(0.4)),
        ("That points at a cached token.", chat(0.6)),
    ],
    document=NOTE,
)


def script(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "session.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def saved_notes(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "var" / "notes").glob("rf-note-*.md"))


async def prepared(tmp_path: Path, url: str, env: dict[str, str]) -> Rfbot:
    rfbot = Rfbot(tmp_path, url, env)
    await asyncio.to_thread(rfbot, "flows", "import", "--bundled")
    return rfbot


async def test_offline_flowpilot_in_the_console_ends_in_a_saved_note(migrated_url: str, tmp_path: Path) -> None:
    rfbot = await prepared(tmp_path, migrated_url, {"ANTHROPIC_API_KEY": "", "VOYAGE_API_KEY": ""})
    lines = [f"/pilot {PROBLEM}", "Just one user, since Tuesday. Rebuilt the profile, no change.", "/resolve", "1"]
    out = (await asyncio.to_thread(rfbot, "console", "--user", "alice", "--script", script(tmp_path, *lines))).stdout
    assert "offline mode (no model" in out, "the thread says which mode answers"
    assert "Drafted by offline template" in out and "Resolved by alice" in out
    preview = out[out.index("Resolution note — preview") : out.index("Confirm & post")]
    assert "pat@example.com" not in preview and "Outlook keeps asking" in preview
    (note,) = saved_notes(tmp_path)
    assert "pat" not in note.name and note.name.startswith("rf-note-outlook-keeps-asking")
    assert "pat@example.com" not in note.read_text(encoding="utf-8")


async def test_claude_flowpilot_in_the_console_uses_both_tiers_and_sees_no_secret(
    migrated_url: str, tmp_path: Path
) -> None:
    async with FakeAnthropic(KEY, MODEL) as model:
        env = {
            "ANTHROPIC_API_KEY": KEY,
            "ANTHROPIC_BASE_URL": model.url,
            "RFBOT_FAST_MODEL": FAST,
            "RFBOT_DEEP_MODEL": DEEP,
            "VOYAGE_API_KEY": "",
        }
        rfbot = await prepared(tmp_path, migrated_url, env)
        typed = "The prompt says password: Hunter2!xyz is wrong for pat@example.com"
        lines = [f"/pilot {PROBLEM}", "1", typed, "/resolve", "1"]
        run = await asyncio.to_thread(rfbot, "console", "--user", "alice", "--script", script(tmp_path, *lines))
    out = run.stdout
    assert "FlowPilot · Claude" in out and "narrow it down" in out and "Who is affected?" in out
    assert "Drafted by Claude (deep)" in out and "Resolved by alice" in out
    purposes = [(purpose_of(body), body["model"]) for body in model.requests]
    assert purposes[0] == ("turn", FAST) and ("document", DEEP) in purposes
    sent = "\n".join(s for body in model.requests for s in strings(body.get("messages")))
    assert "Hunter2!xyz" not in sent and "pat@example.com" not in sent, "the model only ever sees masked text"
    assert "One user" in sent, "the answer picked in the console reached the model"
    (note,) = saved_notes(tmp_path)
    text = note.read_text(encoding="utf-8")
    assert text.startswith("## Resolution note (as confirmed)"), "the confirmed note is kept with the documentation"
    assert NOTE["root_cause"] in text and "Hunter2!xyz" not in text

"""`rfbot console` drives issue 7's admin features from a script: `/schedule run` posts the run card, a checklist
opens, its first step is marked by number and its second by label (icon and all), Mark all OK and Skip target finish
the run with its summary; `/proposals` and `/admin settings` answer too."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.cli import Rfbot


async def test_console_maintenance_run_proposals_and_settings(migrated_url: str, tmp_path: Path) -> None:
    rfbot = Rfbot(tmp_path, migrated_url)
    await asyncio.to_thread(rfbot, "flows", "import", "--bundled")
    script = tmp_path / "run.txt"
    lines = [
        "/schedule run monthly-server-patching",
        "1",  # Open checklist (FS01)
        "1",  # its first step: ✓ OK Backup verified
        "=✓ OK Snapshot taken",  # the second step, picked by its label (icon and all)
        "2",  # Mark all OK (FS01) on the redrawn card
        "2",  # Mark all OK (DC01)
        "3",  # Skip target (APP01)
        "/proposals",
        "/admin settings",
    ]
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = await asyncio.to_thread(rfbot, "console", "--user", "alice", "--script", str(script))
    out = done.stdout
    assert "Monthly server patching — maintenance run" in out and "0/3 targets complete" in out
    assert "Checklist · FS01" in out and "✅ ok · alice" in out
    assert "File server · 2/6 steps" in out and "matches 0 choices" not in out
    assert "Monthly server patching — run summary" in out and "All 3 targets done" in out
    assert "APP01: SKIPPED — alice" in out and "not noted in the PSA" in out
    assert "No flow proposals are waiting for review." in out
    assert "Team settings" in out and "maintenance_board" in out

"""``rfbot teams manifest``, run for real: the package lands where asked; bad input writes nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.e2e.cli import Rfbot

APP_ID = "00000000-0000-0000-0000-000000000001"


def rfbot_in(folder: Path) -> Rfbot:
    return Rfbot(folder, f"sqlite:///{folder / 'unused.db'}")  # the command needs no database


def test_manifest_writes_the_package_and_prints_the_messaging_endpoint(tmp_path: Path) -> None:
    result = rfbot_in(tmp_path)("teams", "manifest", "--app-id", APP_ID, "--host", "bot.example.com")
    package = tmp_path / "var" / "teams-app.zip"
    assert f"Wrote {Path('var/teams-app.zip')}" in result.stdout
    assert "https://bot.example.com/api/messages" in result.stdout
    archive = zipfile.ZipFile(package)
    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == APP_ID and manifest["version"] == "0.1.0"
    assert manifest["validDomains"] == ["bot.example.com"]


def test_bad_input_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    rfbot = rfbot_in(tmp_path)
    out = tmp_path / "out" / "teams.zip"
    refused = rfbot("teams", "manifest", "--app-id", APP_ID, "--host", "http://bot.example.com", "--out", str(out),
                    check=False)  # fmt: skip
    assert refused.returncode == 2
    assert "Invalid value for '--host'" in refused.stderr and "HTTPS" in refused.stderr
    assert not (tmp_path / "out").exists()

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    unwritable = rfbot("teams", "manifest", "--app-id", APP_ID, "--host", "bot.example.com",
                       "--out", str(blocker / "teams.zip"), check=False)  # fmt: skip
    assert unwritable.returncode == 1
    assert f"Cannot write {blocker / 'teams.zip'}" in unwritable.stderr
    assert blocker.read_text() == "not a folder" and sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]

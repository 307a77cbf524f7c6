"""The zip uploaded to Teams: exactly the manifest and the two icons it names, at the root, rebuilt identically."""

from __future__ import annotations

import io
import json
import zipfile

from bot.handlers.teams_manifest import AppSpec, build_package
from bot.handlers.teams_manifest.package import package_files
from tests.unit.handlers.teams_manifest.png import read_png

SPEC = AppSpec.parse(app_id="00000000-0000-0000-0000-000000000001", host="bot.example.com", name="RF", version="1.0.0")


def test_zip_holds_the_manifest_and_the_icons_it_names_at_its_root() -> None:
    archive = zipfile.ZipFile(io.BytesIO(build_package(SPEC)))
    assert archive.testzip() is None
    assert archive.namelist() == ["manifest.json", "color.png", "outline.png"]
    manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
    assert manifest["id"] == SPEC.package_id and manifest["bots"][0]["botId"] == SPEC.app_id
    sizes = {
        name: (png.width, png.height) for name in manifest["icons"].values() for png in [read_png(archive.read(name))]
    }
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}


def test_package_is_deterministic_and_small() -> None:
    first = build_package(SPEC)
    assert build_package(SPEC) == first
    assert len(first) < 20_000
    other = AppSpec.parse(app_id=SPEC.app_id, host="bot.example.com", name="RF", version="1.0.1")
    assert build_package(other) != first


def test_manifest_file_is_utf8_json_ending_in_a_newline() -> None:
    raw = package_files(SPEC)["manifest.json"]
    assert raw.endswith(b"\n") and "…".encode() in raw  # non-ASCII kept readable, not \u-escaped
    assert json.loads(raw)["name"]["short"] == "RF"

"""The app package: a zip with ``manifest.json``, ``color.png`` and ``outline.png`` at its root (pure, in memory).

The zip is deterministic — fixed timestamps and order — so building it twice from the same ``AppSpec`` gives the
same bytes, and a package can be rebuilt and compared instead of kept.
"""

from __future__ import annotations

import io
import json
import zipfile

from bot.handlers.teams_manifest.icons import color_icon, outline_icon
from bot.handlers.teams_manifest.manifest import COLOR_ICON, OUTLINE_ICON, build_manifest
from bot.handlers.teams_manifest.spec import AppSpec

MANIFEST = "manifest.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def package_files(spec: AppSpec) -> dict[str, bytes]:
    """The package's files by name, in the order they are zipped."""
    manifest = json.dumps(build_manifest(spec), indent=2, ensure_ascii=False) + "\n"
    return {MANIFEST: manifest.encode("utf-8"), COLOR_ICON: color_icon(), OUTLINE_ICON: outline_icon()}


def build_package(spec: AppSpec) -> bytes:
    """The zip to upload to Teams."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in package_files(spec).items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()

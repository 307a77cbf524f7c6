"""The Microsoft Teams app package (pure, no I/O): ``manifest.json`` built from the engine's command table, icons
drawn in code, and the zip that is uploaded to Teams. ``rfbot teams manifest`` writes it to a file."""

from bot.handlers.teams_manifest.manifest import MANIFEST_VERSION, build_manifest
from bot.handlers.teams_manifest.package import build_package, package_files
from bot.handlers.teams_manifest.spec import AppSpec, InvalidSpec

__all__ = ["MANIFEST_VERSION", "AppSpec", "InvalidSpec", "build_manifest", "build_package", "package_files"]

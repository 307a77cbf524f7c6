"""The manifest validates against Teams' own JSON Schema (v1.27, vendored under ``schema/``), stays within the
limits Teams documents, and lists commands the chat adapters really run, described by the engine's help."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from bot.engine.commands.registry import COMMANDS, usage
from bot.handlers.commands import COMMAND_WORDS
from bot.handlers.teams_manifest import manifest as manifests
from bot.handlers.teams_manifest.manifest import MANIFEST_VERSION, build_manifest, describe
from bot.handlers.teams_manifest.spec import AppSpec

SCHEMA = json.loads((Path(__file__).parent / "schema" / "MicrosoftTeams.schema.json").read_text(encoding="utf-8"))
GUID = re.compile(r"^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$")
APP_ID = "0a1b2c3d-0000-4000-8000-00000000abcd"


def manifest_for(**overrides: str) -> dict[str, Any]:
    fields = {"app_id": APP_ID, "host": "bot.example.com", "name": "ResolutionFlow", "version": "0.1.0"} | overrides
    return build_manifest(AppSpec.parse(**fields))


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft4Validator(SCHEMA).iter_errors(manifest)
    ]


@pytest.mark.parametrize(
    "overrides",
    [{}, {"name": "x" * 30, "host": "https://a-very-long-subdomain.bot.example.com:8443/"}, {"version": "12.0.7"}],
)
def test_manifest_validates_against_the_teams_schema(overrides: dict[str, str]) -> None:
    manifest = manifest_for(**overrides)
    assert schema_errors(manifest) == []
    assert schema_errors(json.loads(json.dumps(manifest))) == []  # what the zip holds


def test_the_schema_file_is_the_version_the_manifest_declares() -> None:
    assert SCHEMA["properties"]["manifestVersion"]["const"] == MANIFEST_VERSION
    manifest = manifest_for()
    assert manifest["manifestVersion"] == MANIFEST_VERSION
    assert manifest["$schema"].endswith(f"/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")


def test_the_schema_catches_what_teams_would_refuse() -> None:
    manifest = manifest_for()
    manifest["packageName"] = "com.example.rf"  # gone from the schema since 1.2x
    manifest["bots"][0]["scopes"] = ["groupchat"]  # Teams spells it groupChat
    manifest["accentColor"] = "blue"
    assert len(schema_errors(manifest)) == 3


def test_ids_and_identity() -> None:
    manifest = manifest_for()
    assert GUID.match(manifest["id"]) and manifest["id"] != APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://botid-{APP_ID}"}
    assert manifest["validDomains"] == ["bot.example.com"]
    assert manifest_for(host="bot.example.com:8443")["validDomains"] == ["bot.example.com"]
    assert manifest["developer"]["websiteUrl"] == "https://bot.example.com/"
    assert all(url.startswith("https://bot.example.com/") for url in manifest["developer"].values() if "://" in url)


def test_bot_is_conversational_everywhere_and_asks_only_for_channel_messages() -> None:
    manifest = manifest_for()
    bot = manifest["bots"][0]
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is True and bot["isNotificationOnly"] is False
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}
    ]


def test_texts_stay_within_teams_limits() -> None:
    manifest = manifest_for(name="x" * 30)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["developer"]["name"]) <= 32
    assert 0 < len(manifest["description"]["short"]) <= 80
    assert 0 < len(manifest["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", manifest["accentColor"])
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_command_lists_cover_every_scope_within_the_menu_limits() -> None:
    lists = manifest_for()["bots"][0]["commandLists"]
    assert sorted(scope for entry in lists for scope in entry["scopes"]) == ["groupChat", "personal", "team"]
    for entry in lists:
        titles = [c["title"] for c in entry["commands"]]
        assert 0 < len(titles) <= manifests.MAX_COMMANDS == 10 and len(set(titles)) == len(titles)
        for command in entry["commands"]:
            assert 0 < len(command["title"]) <= 32
            assert 0 < len(command["description"]) <= 128
            assert "`" not in command["description"]


def test_listed_commands_are_ones_the_adapters_run_with_the_engines_help_text() -> None:
    for entry in manifest_for()["bots"][0]["commandLists"]:
        for command in entry["commands"]:
            title = command["title"]
            assert title in COMMAND_WORDS, f"{title}: typed in Teams it would not be read as a command"
            assert title in COMMANDS or title == "help"
            if title != "help":
                assert command["description"] == usage(COMMANDS[title]).replace("`", "")


def test_long_usage_lines_are_shortened(monkeypatch: pytest.MonkeyPatch) -> None:
    async def long(ctx: object, args: str) -> None:
        pass

    long.__doc__ = "Do something that takes `many` words to explain: " + "more words " * 20
    monkeypatch.setitem(COMMANDS, "long", long)
    text = describe("long")
    assert len(text) == 128 and text.endswith("…")
    assert describe("help") == "List every command with its usage."

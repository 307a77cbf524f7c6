"""``docs/configuration.md`` is the settings class rendered: regenerate it with
``rfbot config reference > docs/configuration.md`` whenever a setting changes."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.config_reference import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_committed_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), "run: rfbot config reference > docs/configuration.md"


def test_every_setting_has_a_row_and_a_description() -> None:
    text = reference()
    for name, info in Settings.model_fields.items():
        assert f"| `{(info.alias or name).upper()}` |" in text
        assert info.description, f"{name} has no description"

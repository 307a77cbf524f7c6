"""The environment reference (``docs/configuration.md``), generated from the settings class so it never drifts:
``rfbot config reference > docs/configuration.md`` (a test fails when the committed file is stale)."""

from __future__ import annotations

from typing import get_args

from pydantic import SecretStr
from pydantic_core import PydanticUndefined

from bot.config import Settings

INTRO = """# Configuration reference

Every setting `rfbot` reads, from the environment or a `.env` file in the working directory. Generated from
`bot/config.py` by `rfbot config reference > docs/configuration.md`; `rfbot config check` shows what a running
deployment has set (secrets masked). Secret values are never logged (see "Operations" in the README).

| Variable | Default | Secret | What it does |
|---|---|---|---|
"""


def _default(value: object) -> str:
    if value is PydanticUndefined or value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{value}`"


def reference() -> str:
    """The Markdown reference: one row per setting, in the order the settings class declares them."""
    rows = []
    for name, info in Settings.model_fields.items():
        env_name = (info.alias or name).upper()
        secret = "yes" if SecretStr in (get_args(info.annotation) or (info.annotation,)) else ""
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{env_name}` | {_default(info.default)} | {secret} | {description} |")
    return INTRO + "\n".join(rows) + "\n"

"""The published JSON Schema of the flow file format, for editors (``flow.schema.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast


def schema_path() -> Path:
    """Path of ``flow.schema.json``."""
    return Path(__file__).resolve().parent / "flow.schema.json"


def load_schema() -> dict[str, Any]:
    """The schema as a dict."""
    return cast(dict[str, Any], json.loads(schema_path().read_text(encoding="utf-8")))

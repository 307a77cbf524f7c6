"""The published JSON Schema accepts every bundled sample and rejects structurally broken documents."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.flows.loader import bundled_samples_dir, dump_flow, load_flow_file
from bot.flows.schema import load_schema

SCHEMA = load_schema()
SAMPLES = sorted(bundled_samples_dir().glob("*.yaml"))


def test_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_and_their_exports_match_the_schema(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), SCHEMA)
    jsonschema.validate(yaml.safe_load(dump_flow(load_flow_file(path))), SCHEMA)


@pytest.mark.parametrize(
    "doc",
    [
        {"key": "x", "name": "X", "kind": "troubleshooting", "start": "a", "nodes": [{"id": "a", "type": "solution"}]},
        {
            "key": "Bad Key",
            "name": "X",
            "kind": "procedural",
            "steps": [{"id": "e", "type": "procedure_end", "title": "E"}],
        },
        {"key": "x", "name": "X", "kind": "maintenance", "steps": [{"id": "e", "type": "procedure_end", "title": "E"}]},
        {"key": "x", "name": "X", "kind": "procedural", "steps": [{"id": "s", "type": "procedure_step", "titel": "T"}]},
        {
            "key": "x",
            "name": "X",
            "kind": "troubleshooting",
            "start": "a",
            "nodes": [{"id": "a", "type": "decision", "question": "Q?", "options": [{"label": "only", "next": "a"}]}],
        },
    ],
)
def test_schema_rejects_broken_documents(doc: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)

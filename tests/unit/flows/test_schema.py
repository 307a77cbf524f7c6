"""The published JSON Schema accepts every bundled sample and rejects structurally broken documents."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.flows.loader import bundled_samples_dir, dump_flow, load_flow_file
from bot.flows.schema import load_schema, schema_path

SCHEMA = load_schema()
SAMPLES = sorted(bundled_samples_dir().glob("*.yaml"))
STEP = {"id": "s", "type": "procedure_step", "title": "T"}


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
        {"key": "x", "name": "X", "kind": "procedural", "start": "s", "steps": [STEP]},
        {"key": "x", "name": "X", "kind": "procedural", "targets": [{"label": "FS01"}], "steps": [STEP]},
        {"key": "x", "name": "X", "kind": "maintenance", "targets": [], "schedule": "0 22 * *", "steps": [STEP]},
        {"key": "x", "name": "X", "kind": "procedural", "owner": "me", "steps": [STEP]},
        {"key": "x", "name": "X", "kind": "procedural", "steps": [{**STEP, "commands": [{"label": "no code"}]}]},
        {"key": "x", "name": "X", "kind": "procedural", "steps": [{**STEP, "verification_type": "tick"}]},
        {"key": "x", "name": "X", "kind": "procedural", "variables": [{"name": "first name"}], "steps": [STEP]},
        {
            "key": "x",
            "name": "X",
            "kind": "troubleshooting",
            "nodes": [{"id": "a", "type": "solution", "resolution": "r"}],
        },
    ],
)
def test_schema_rejects_broken_documents(doc: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


def test_schema_accepts_plain_string_commands_and_a_minimal_checklist() -> None:
    doc = {"key": "x", "name": "X", "kind": "procedural", "steps": [{**STEP, "commands": ["ipconfig /all"]}]}
    jsonschema.validate(doc, SCHEMA)


def test_schema_path_is_packaged_next_to_the_module() -> None:
    assert schema_path().name == "flow.schema.json" and schema_path().is_file()
    assert SCHEMA["$schema"].endswith("2020-12/schema")

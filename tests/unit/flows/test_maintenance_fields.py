"""A maintenance flow's ``deadline`` and ``ticket``: parsed, validated with their line, exported and read back the
same, refused on other kinds of flow and by the JSON Schema where malformed."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest
import yaml

from bot.flows.durations import duration_problem, parse_duration
from bot.flows.errors import FlowLoadError
from bot.flows.loader import dump_flow, parse_flow_text
from bot.flows.schema import load_schema
from bot.flows.validator import validate_flow

BASE = """\
key: patch
name: Patch
kind: maintenance
targets: [{label: FS01}]
steps:
  - {id: a, type: procedure_step, title: A}
  - {id: end, type: procedure_end, title: End}
"""


def test_deadline_and_ticket_are_read_exported_and_read_back() -> None:
    flow = parse_flow_text(BASE + 'deadline: 2h30m\nticket: "#4711"\n')
    assert (flow.deadline, flow.ticket) == ("2h30m", 4711)
    assert list(validate_flow(flow)) == []
    again = parse_flow_text(dump_flow(flow))
    assert (again.deadline, again.ticket) == ("2h30m", 4711)
    jsonschema.validate(yaml.safe_load(dump_flow(flow)), load_schema())
    assert parse_flow_text(BASE).ticket is None and parse_flow_text(BASE).deadline == ""


@pytest.mark.parametrize(
    ("text", "span"),
    [("90m", timedelta(minutes=90)), ("4h", timedelta(hours=4)), ("1d12h", timedelta(days=1, hours=12)), ("x", None)],
)
def test_durations(text: str, span: timedelta | None) -> None:
    assert parse_duration(text) == span


def test_a_bad_deadline_is_reported_on_its_line() -> None:
    flow = parse_flow_text(BASE + "deadline: soon\n")
    (error,) = validate_flow(flow)
    assert error.code == "bad-deadline" and error.line == 8 and "write it like 90m" in error.message
    assert "longer than 31 days" in duration_problem("40d") and "longer than zero" in duration_problem("0h")


def test_a_bad_ticket_and_fields_on_the_wrong_kind_are_load_errors() -> None:
    with pytest.raises(FlowLoadError) as bad:
        parse_flow_text(BASE + "ticket: soon\n")
    assert "'ticket' must be a ticket number" in str(bad.value)
    procedural = BASE.replace("kind: maintenance", "kind: procedural").replace("targets: [{label: FS01}]\n", "")
    with pytest.raises(FlowLoadError) as misplaced:
        parse_flow_text(procedural + "deadline: 4h\nticket: 12\n")
    assert "'deadline' only applies to maintenance flows" in str(misplaced.value)
    assert "'ticket' only applies to maintenance flows" in str(misplaced.value)


def test_the_schema_refuses_a_malformed_deadline_or_ticket() -> None:
    doc = yaml.safe_load(BASE)
    for bad in ({"deadline": "soon"}, {"ticket": "abc"}, {"ticket": 0}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc | bad, load_schema())

"""The YAML loader: lines on every node, all structural problems at once, lossless export."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.flows.loader import (
    FlowLoadError,
    bundled_samples_dir,
    dump_flow,
    load_bundled,
    load_flow_dir,
    load_flow_file,
    parse_flow_text,
)
from bot.flows.model import Command, Flow, FlowKind, Node, NodeType, Target, Variable, VerificationType

TREE = """\
key: demo
name: Demo
kind: troubleshooting
start: ask
tags: [a, b]
nodes:
  - id: ask
    type: decision
    question: Plugged in?
    options:
      - {label: "Yes", next: act}
      - {label: "No", next: done, value: no-power}
  - id: act
    type: action
    title: Reseat
    instructions: Reseat the cable.
    commands: ["Get-NetAdapter", {label: Reset, code: "Restart-NetAdapter -Name Ethernet", language: powershell}]
    next: done
  - {id: done, type: solution, resolution: Reseated., followups: [Label the cable]}
"""

CHECKLIST = """\
key: onboard
name: Onboard
kind: procedural
variables:
  - {name: username, label: Username}
steps:
  - {id: h, type: section_header, title: Accounts}
  - id: s1
    type: procedure_step
    title: Create [VAR:username]
    description: New-ADUser [VAR:username]
    verification_type: text_input
    verification_prompt: Object GUID
    estimated_minutes: 5
  - {id: end, type: procedure_end, title: Done}
"""


def strip(flow: Flow) -> Flow:
    return dataclasses.replace(
        flow, source_path="", field_lines={}, nodes=tuple(dataclasses.replace(n, line=0) for n in flow.nodes)
    )


def test_tree_is_parsed_with_lines() -> None:
    flow = parse_flow_text(TREE, "demo.yaml")
    assert flow.kind is FlowKind.TROUBLESHOOTING and flow.first == "ask"
    assert [(n.id, n.line) for n in flow.nodes] == [("ask", 7), ("act", 13), ("done", 19)]
    act = flow.node("act")
    assert act.commands[0].code == "Get-NetAdapter" and act.commands[1].label == "Reset"
    assert flow.node("ask").options[1].key == "no-power"
    assert flow.line_of("start") == 4


def test_checklist_description_maps_to_instructions() -> None:
    flow = parse_flow_text(CHECKLIST)
    step = flow.node("s1")
    assert step.instructions == "New-ADUser [VAR:username]"
    assert step.verification_type is VerificationType.TEXT_INPUT and step.estimated_minutes == 5
    assert flow.nodes[0].type is NodeType.SECTION_HEADER


@pytest.mark.parametrize("text", [TREE, CHECKLIST])
def test_export_round_trips(text: str) -> None:
    flow = parse_flow_text(text)
    assert strip(parse_flow_text(dump_flow(flow))) == strip(flow)


def test_every_structural_problem_is_reported_at_once() -> None:
    broken = TREE.replace("kind: troubleshooting", "kind: troubleshootin").replace("question:", "qestion:")
    with pytest.raises(FlowLoadError) as info:
        parse_flow_text(broken, "x.yaml")
    codes = [(e.code, e.line) for e in info.value.errors]
    assert codes == [("bad-value", 3), ("unknown-field", 9)]
    assert (
        str(info.value.errors[1]) == "x.yaml:9: unknown field 'qestion' in a decision node — did you mean 'question'?"
    )
    assert (
        str(info.value).splitlines()[0] == "x.yaml:3: 'kind' is 'troubleshootin'; use one of troubleshooting, "
        "procedural, maintenance — did you mean 'troubleshooting'?"
    )


P = "key: a\nname: A\nkind: procedural\n"
END = "steps: [{id: e, type: procedure_end}]\n"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("key: a\nname: [unclosed\nkind: procedural\n", "yaml-syntax", 3),
        ("key: a\nname: A\nname: B\n", "duplicate-key", 3),
        (P + "steps: step-one\n", "bad-type", 4),
        (P + "version: one\n" + END, "bad-type", 4),
        (
            P.replace("procedural", "maintenance") + "steps:\n  - {id: e, type: procedure_end, minutes: 3}\n",
            "unknown-field",
            5,
        ),
        (P + END + "targets: [{label: X}]\n", "bad-field", 5),
        (P + "steps:\n  - {type: procedure_end}\n", "missing-field", 5),
        (P + "steps:\n  - {id: s, type: procedure_step, estimated_minutes: -1}\n", "bad-type", 5),
        (P + "steps:\n  - {id: s, type: procedure_step, verification_type: tick}\n", "bad-value", 5),
        (P + "variables: [{name: x, required: maybe}]\n" + END, "bad-type", 4),
        (P + "steps:\n  - {id: s, type: procedure_step, commands: [[1]]}\n", "bad-type", 5),
        (P, "missing-field", 1),
    ],
)
def test_structural_problems_have_codes_and_lines(text: str, code: str, line: int) -> None:
    with pytest.raises(FlowLoadError) as info:
        parse_flow_text(text, "x.yaml")
    assert (code, line) in [(e.code, e.line) for e in info.value.errors], info.value.errors


def test_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(TREE, encoding="utf-8")
    (tmp_path / "a.yml").write_text(CHECKLIST, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a flow", encoding="utf-8")
    flows = load_flow_dir(tmp_path)
    assert [f.key for f in flows] == ["onboard", "demo"]
    assert load_flow_file(tmp_path / "b.yaml").source_path == str(tmp_path / "b.yaml")
    with pytest.raises(FlowLoadError, match="cannot read file"):
        load_flow_file(tmp_path / "missing.yaml")


def test_bundled_samples_are_found() -> None:
    assert bundled_samples_dir().name == "samples"
    assert len(load_bundled()) >= 9


def test_list_item_lines_are_kept() -> None:
    flow = parse_flow_text(CHECKLIST)
    assert flow.line_of("variables.0") == 5 and flow.line_of("steps") == 6


def test_not_a_mapping() -> None:
    with pytest.raises(FlowLoadError, match="must be a mapping"):
        parse_flow_text("- just\n- a list\n", "x.yaml")


AWKWARD = (
    "Yes",
    "no",
    "null",
    "1.5",
    "key: value # not a comment",
    "- looks like a list",
    "{braces} and [VAR:x]",
    "'single' and \"double\" quotes",
    "ünïcödé — dash",
    "line one\nline two\n  indented",
    "spaced  twice " * 12 + "end",
    "word " * 40 + "end",
)


@pytest.mark.parametrize("text", AWKWARD)
def test_export_quotes_whatever_yaml_would_misread(text: str) -> None:
    flow = Flow(
        key="awkward",
        name=text,
        kind=FlowKind.MAINTENANCE,
        nodes=(
            Node("s", NodeType.PROCEDURE_STEP, title=text, instructions=text, commands=(Command(text, text, "bash"),)),
            Node("e", NodeType.PROCEDURE_END, title="End"),
        ),
        tags=(text,),
        variables=(Variable("x", label=text, required=False, default=text),),
        targets=(Target(text, notes=text),),
        schedule="0 22 * * 2",
    )
    assert strip(parse_flow_text(dump_flow(flow))) == flow

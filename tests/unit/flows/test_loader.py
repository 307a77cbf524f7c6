"""The YAML loader: lines on every node, all structural problems at once, lossless export."""

from __future__ import annotations

import dataclasses

import pytest

from bot.flows.loader import FlowLoadError, dump_flow, parse_flow_text
from bot.flows.model import Flow, FlowKind, NodeType, VerificationType

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
    assert ("bad-value", 3) in codes


def test_not_a_mapping() -> None:
    with pytest.raises(FlowLoadError, match="must be a mapping"):
        parse_flow_text("- just\n- a list\n", "x.yaml")

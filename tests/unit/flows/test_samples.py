"""The bundled sample flows: all valid, realistic in shape, free of real-looking secrets, and walkable."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.flows import runner
from bot.flows.cron import cron_problem
from bot.flows.loader import bundled_samples_dir, dump_flow, load_bundled, parse_flow_text
from bot.flows.model import Flow, FlowKind, NodeType, VerificationType
from bot.flows.validator import validate_paths

FLOWS = {f.key: f for f in load_bundled()}
TREES = [f for f in FLOWS.values() if f.kind is FlowKind.TROUBLESHOOTING]
EXPECTED = {
    "outlook-mailbox-not-syncing",
    "vpn-wont-connect",
    "printer-offline",
    "slow-workstation",
    "password-reset-mfa",
    "mfa-reenrolment",
    "mapped-drive-missing",
    "new-user-onboarding",
    "monthly-server-patching",
}
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")


def test_the_library_holds_every_sample_and_the_file_names_match_keys() -> None:
    assert set(FLOWS) >= EXPECTED
    for flow in FLOWS.values():
        assert flow.source_path.endswith(f"{flow.key}.yaml")


def test_every_sample_is_valid_together() -> None:
    assert [str(e) for e in validate_paths([bundled_samples_dir()])] == []


@pytest.mark.parametrize("flow", TREES, ids=lambda f: f.key)
def test_troubleshooting_samples_have_depth(flow: Flow) -> None:
    types = [n.type for n in flow.nodes]
    assert 8 <= len(flow.nodes) <= 20
    assert types.count(NodeType.DECISION) >= 3
    assert types.count(NodeType.SOLUTION) >= 3
    assert any(n.commands for n in flow.nodes)
    for node in flow.nodes:
        if node.type is NodeType.SOLUTION:
            assert len(node.resolution) > 40, node.id
    assert flow.keywords and flow.tags and flow.category and flow.description


@pytest.mark.parametrize("flow", TREES, ids=lambda f: f.key)
def test_every_answer_path_ends_in_a_solution_or_subflow(flow: Flow) -> None:
    """Walk every choice from the start (each node once): every branch ends at a solution or a sub-flow."""
    seen: set[str] = set()
    stack = [flow.start]
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        node = flow.node(node_id)
        if node.type is NodeType.DECISION:
            stack.extend(n for n in (runner.next_node(flow, node_id, o.key) for o in node.options) if n)
        else:
            nxt = runner.next_node(flow, node_id, None)
            assert nxt or node.type in (NodeType.SOLUTION, NodeType.SUBFLOW), node_id
            if nxt:
                stack.append(nxt)
    assert seen == {n.id for n in flow.nodes}


def test_password_reset_hands_mfa_to_the_subflow() -> None:
    subflows = [n for n in FLOWS["password-reset-mfa"].nodes if n.type is NodeType.SUBFLOW]
    assert [n.flow for n in subflows] == ["mfa-reenrolment"]
    assert subflows[0].next


def test_onboarding_checklist() -> None:
    flow = FLOWS["new-user-onboarding"]
    names = {v.name for v in flow.variables}
    assert {"first_name", "last_name", "username", "department", "manager", "start_date", "licence_sku"} <= names
    assert runner.flow_placeholders(flow) <= names
    kinds = {n.verification_type for n in runner.steps_of(flow)}
    assert {VerificationType.CHECKBOX, VerificationType.TEXT_INPUT} <= kinds
    assert any(n.warning for n in flow.nodes)
    assert all(n.estimated_minutes for n in flow.nodes if n.type is NodeType.PROCEDURE_STEP)
    assert sum(1 for n in flow.nodes if n.type is NodeType.SECTION_HEADER) >= 3
    assert flow.nodes[-1].type is NodeType.PROCEDURE_END


def test_patching_run() -> None:
    flow = FLOWS["monthly-server-patching"]
    assert [t.label for t in flow.targets] == ["FS01", "DC01", "APP01"]
    assert all(t.notes for t in flow.targets)
    assert flow.schedule and cron_problem(flow.schedule) == ""
    assert any(n.verification_type is VerificationType.TEXT_INPUT for n in flow.nodes)
    assert runner.total_steps(flow) >= 5


@pytest.mark.parametrize("path", sorted(bundled_samples_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_no_real_looking_addresses_or_secrets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not IPV4.search(text)
    assert not EMAIL.search(text)
    assert not re.search(r"(?i)password\s*[:=]\s*\S{6,}", text)


@pytest.mark.parametrize("flow", list(FLOWS.values()), ids=lambda f: f.key)
def test_every_sample_round_trips_through_export(flow: Flow) -> None:
    again = parse_flow_text(dump_flow(flow))

    def bare(f: Flow) -> Flow:
        nodes = tuple(dataclasses.replace(n, line=0) for n in f.nodes)
        return dataclasses.replace(f, source_path="", field_lines={}, nodes=nodes)

    assert bare(again) == bare(flow)

"""Runner helpers: placeholders, checklist order, next nodes."""

from __future__ import annotations

import pytest

from bot.flows import runner
from bot.flows.loader import load_bundled, parse_flow_text
from bot.flows.model import NodeType
from tests.unit.flows.test_loader import CHECKLIST, TREE


def test_fill_keeps_unknown_placeholders() -> None:
    assert runner.fill("Hi [VAR:name] in [VAR:dept]", {"name": "Ana"}) == "Hi Ana in [VAR:dept]"
    assert runner.placeholders("[VAR:a] [VAR:b_2] [VAR:9x]") == {"a", "b_2"}


def test_checklist_order_skips_headers() -> None:
    flow = parse_flow_text(CHECKLIST)
    assert [n.id for n in runner.steps_of(flow)] == ["s1", "end"]
    assert runner.next_step(flow, "s1") == "end" and runner.next_step(flow, "end") is None
    assert runner.section_of(flow, "s1") == "Accounts"
    assert runner.total_steps(flow) == 1
    assert runner.flow_placeholders(flow) == {"username"}


def test_next_node_follows_options_and_actions() -> None:
    flow = parse_flow_text(TREE)
    assert runner.next_node(flow, "ask", "act") == "act"
    assert runner.next_node(flow, "ask", "no-power") == "done"
    assert runner.next_node(flow, "act", None) == "done"
    assert runner.next_node(flow, "done", None) is None
    with pytest.raises(ValueError, match="choose one of: Yes, No"):
        runner.next_node(flow, "ask", "maybe")


def test_fill_every_occurrence_and_leave_other_brackets() -> None:
    text = "[VAR:u] and [VAR:u] in [GROUP] and [VAR:]"
    assert runner.fill(text, {"u": "jdoe"}) == "jdoe and jdoe in [GROUP] and [VAR:]"
    assert runner.fill("no placeholders", {"u": "x"}) == "no placeholders"


def test_flow_placeholders_cover_commands_and_titles() -> None:
    flow = parse_flow_text(CHECKLIST.replace("title: Done}", "title: 'Done for [VAR:manager]'}"))
    assert runner.flow_placeholders(flow) == {"username", "manager"}


def test_section_of_unknown_or_headerless_step_is_empty() -> None:
    flow = parse_flow_text(CHECKLIST)
    assert runner.section_of(flow, "nope") == ""
    plain = parse_flow_text(CHECKLIST.replace("  - {id: h, type: section_header, title: Accounts}\n", ""))
    assert runner.section_of(plain, "s1") == ""
    with pytest.raises(KeyError):
        runner.next_step(flow, "nope")


def test_subflow_continues_at_next_and_solution_ends() -> None:
    text = TREE.replace(
        "  - {id: done, type: solution",
        "  - {id: sub, type: subflow, flow: other, next: done}\n  - {id: done, type: solution",
    )
    flow = parse_flow_text(text)
    assert runner.next_node(flow, "sub", None) == "done"
    assert runner.next_node(flow, "done", "anything") is None
    with pytest.raises(KeyError, match="has no node 'ghost'"):
        runner.next_node(flow, "ghost", None)


def test_bundled_onboarding_walks_in_order_with_sections() -> None:
    flow = next(f for f in load_bundled() if f.key == "new-user-onboarding")
    order = []
    step: str | None = runner.steps_of(flow)[0].id
    while step:
        order.append(step)
        step = runner.next_step(flow, step)
    assert order == [n.id for n in runner.steps_of(flow)]
    assert order[-1] == "done" and runner.total_steps(flow) == len(order) - 1
    headers = [n for n in flow.nodes if n.type is NodeType.SECTION_HEADER]
    first_under_second = flow.nodes[flow.index_of(headers[1].id) + 1]
    assert runner.section_of(flow, first_under_second.id) == headers[1].title
    assert runner.section_of(flow, order[0]) == headers[0].title

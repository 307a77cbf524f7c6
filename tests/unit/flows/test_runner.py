"""Runner helpers: placeholders, checklist order, next nodes."""

from __future__ import annotations

import pytest

from bot.flows import runner
from bot.flows.loader import parse_flow_text
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

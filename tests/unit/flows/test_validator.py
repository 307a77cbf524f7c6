"""Semantic validation: each check, its stable code, the offending line and an actionable message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.cron import cron_problem
from bot.flows.errors import FlowError
from bot.flows.loader import parse_flow_text
from bot.flows.model import Flow, FlowKind, Node, NodeType, Option
from bot.flows.validator import is_valid, validate_file, validate_flow, validate_paths

HEAD = "key: demo\nname: Demo\nkind: troubleshooting\nstart: ask\nnodes:\n"


def check(body: str, known: set[str] | None = None) -> list[tuple[str, int]]:
    flow = parse_flow_text(HEAD + body, "flows/demo.yaml")
    return [(e.code, e.line) for e in validate_flow(flow, known)]


def messages(body: str) -> list[str]:
    return [str(e) for e in validate_flow(parse_flow_text(HEAD + body, "flows/demo.yaml"))]


RETRY_LOOP = """\
  - id: ask
    type: decision
    question: Does it print?
    options:
      - {label: "Yes", next: done}
      - {label: "No", next: restart-client}
  - id: restart-client
    type: action
    title: Restart the spooler
    instructions: Restart-Service Spooler
    next: ask
  - {id: done, type: solution, resolution: Printing again.}
"""


def test_a_loop_with_a_way_out_is_fine() -> None:
    assert check(RETRY_LOOP) == []
    assert is_valid(parse_flow_text(HEAD + RETRY_LOOP))


def test_unknown_next_names_file_line_and_suggestion() -> None:
    body = RETRY_LOOP.replace("next: ask", "next: restart-clinet")
    assert messages(body) == [
        "flows/demo.yaml:12: node 'restart-client' (action) continues to 'restart-clinet', which does not exist"
        " — did you mean 'restart-client'?"
    ]


def test_option_to_unknown_node() -> None:
    body = RETRY_LOOP.replace("next: done}", "next: dne}")
    assert ("unknown-next", 6) in check(body)
    assert any("option 'Yes' goes to 'dne', which does not exist — did you mean 'done'?" in m for m in messages(body))


def test_unknown_start_and_missing_start() -> None:
    flow = parse_flow_text(HEAD.replace("start: ask", "start: aks") + RETRY_LOOP, "x.yaml")
    errors = validate_flow(flow)
    assert [(e.code, e.line) for e in errors] == [("unknown-start", 4)]
    assert "did you mean 'ask'?" in errors[0].message
    no_start = parse_flow_text(HEAD.replace("start: ask\n", "") + RETRY_LOOP, "x.yaml")
    assert [e.code for e in validate_flow(no_start)] == ["missing-field"]


def test_loop_with_no_exit_is_reported_once_at_its_first_node() -> None:
    body = RETRY_LOOP + (
        "  - {id: a, type: action, title: A, instructions: Do A., next: b}\n"
        "  - {id: b, type: action, title: B, instructions: Do B., next: a}\n"
    )
    body = body.replace("next: restart-client}", "next: a}").replace("next: ask\n", "next: done\n")
    found = check(body)
    assert ("no-exit-loop", 18) in found and ("unreachable", 12) in found
    assert [c for c, _ in found].count("no-exit-loop") == 1


def test_self_loop_is_a_loop() -> None:
    body = RETRY_LOOP.replace("next: ask", "next: restart-client")
    assert check(body) == [("no-exit-loop", 12)]


def test_chain_into_a_dead_end_is_a_dead_end_not_a_loop() -> None:
    body = RETRY_LOOP.replace("    next: ask\n", "")
    assert check(body) == [("dead-end", 12)]


def test_missing_required_content() -> None:
    body = """\
  - {id: ask, type: decision, options: [{label: A, next: act}, {label: B, next: sub}]}
  - {id: act, type: action, title: Act, next: done}
  - {id: sub, type: subflow, next: done}
  - {id: done, type: solution}
"""
    assert check(body) == [("missing-field", 6), ("missing-field", 7), ("missing-field", 8), ("missing-field", 9)]


def test_decision_with_no_or_one_option_and_duplicate_options() -> None:
    one = RETRY_LOOP.replace('      - {label: "Yes", next: done}\n', "")
    assert ("single-option", 6) in check(one)
    same = RETRY_LOOP.replace("next: restart-client}", "next: done}")
    assert ("duplicate-option", 6) in check(same)


def test_troubleshooting_flow_needs_a_solution() -> None:
    body = "  - {id: ask, type: subflow, flow: other}\n"
    assert check(body, {"other"}) == [("no-solution", 5)]


def test_duplicate_id_reports_the_second() -> None:
    body = RETRY_LOOP + "  - {id: done, type: solution, resolution: Again.}\n"
    errors = messages(body)
    assert errors == ["flows/demo.yaml:18: node id 'done' is used twice (first on line 17)"]


def test_step_types_do_not_belong_in_a_tree() -> None:
    body = RETRY_LOOP + "  - {id: step, type: procedure_step, title: Step}\n"
    assert ("bad-node-type", 18) in check(body)


def test_subflow_targets() -> None:
    body = RETRY_LOOP.replace(
        "    type: action\n    title: Restart the spooler\n    instructions: Restart-Service Spooler\n",
        "    type: subflow\n    flow: printer-offline\n",
    )
    assert check(body) == []  # no library given: link not checked
    assert check(body, {"printer-offline"}) == []
    assert check(body, {"printer-offlin"}) == [("unknown-subflow", 12)]
    assert check(body.replace("flow: printer-offline", "flow: demo"), set()) == [("self-subflow", 12)]


def test_subflow_next_counts_for_reachability() -> None:
    body = RETRY_LOOP.replace(
        "    type: action\n    title: Restart the spooler\n    instructions: Restart-Service Spooler\n    next: ask\n",
        "    type: subflow\n    flow: other\n    next: after\n",
    )
    body += "  - {id: after, type: solution, resolution: Fixed by the other flow.}\n"
    assert check(body, {"other"}) == []


def test_bad_key() -> None:
    flow = parse_flow_text(HEAD.replace("key: demo", "key: Demo_Flow") + RETRY_LOOP, "x.yaml")
    assert [(e.code, e.line) for e in validate_flow(flow)] == [("bad-key", 1)]


CHECKLIST = """\
key: onboard
name: Onboard
kind: procedural
variables:
  - {name: username}
  - {name: username}
steps:
  - {id: h1, type: section_header, title: Accounts}
  - {id: s1, type: procedure_step, title: "Create [VAR:usernme]", verification_type: text_input}
  - {id: h2, type: section_header, title: Empty}
  - {id: end, type: procedure_end, title: Done}
  - {id: end2, type: procedure_end, title: Done again}
"""


def test_checklist_problems() -> None:
    flow = parse_flow_text(CHECKLIST, "onboard.yaml")
    found = [(e.code, e.line) for e in validate_flow(flow)]
    assert found == [
        ("duplicate-variable", 6),
        ("missing-prompt", 9),
        ("undefined-variable", 9),
        ("empty-section", 10),
        ("end-count", 12),
    ]
    text = {e.code: e.message for e in validate_flow(flow)}
    assert "did you mean 'username'?" in text["undefined-variable"]


def test_end_step_must_be_last() -> None:
    text = CHECKLIST.replace("  - {id: end2, type: procedure_end, title: Done again}\n", "").replace(
        "  - {id: h2, type: section_header, title: Empty}\n", ""
    )
    text = text.replace("  - {id: end,", "  - {id: s2, type: procedure_step, title: Later}\n  - {id: end,")
    moved = text.replace(
        "  - {id: s2, type: procedure_step, title: Later}\n  - {id: end, type: procedure_end, title: Done}\n",
        "  - {id: end, type: procedure_end, title: Done}\n  - {id: s2, type: procedure_step, title: Later}\n",
    )
    codes = [e.code for e in validate_flow(parse_flow_text(moved))]
    assert "end-not-last" in codes


MAINTENANCE = """\
key: patching
name: Patching
kind: maintenance
schedule: "{schedule}"
targets:
  - {{label: FS01}}
steps:
  - {{id: s1, type: procedure_step, title: Patch}}
  - {{id: end, type: procedure_end, title: Done}}
"""


def test_maintenance_schedule_and_targets() -> None:
    good = parse_flow_text(MAINTENANCE.format(schedule="0 22 * * 2"))
    assert validate_flow(good) == []
    bad = parse_flow_text(MAINTENANCE.format(schedule="0 22 * * 8"))
    assert [(e.code, e.line) for e in validate_flow(bad)] == [("bad-cron", 4)]
    no_targets = parse_flow_text(MAINTENANCE.format(schedule="0 1 * * *").replace("targets:\n  - {label: FS01}\n", ""))
    assert [e.code for e in validate_flow(no_targets)] == ["no-targets"]


@pytest.mark.parametrize(
    "expression", ["0 22 * * 2", "*/15 * * * *", "0 2 1-7 * mon", "30 1 1,15 jan-jun 1-5", "0 0 * * 7", "5 4 */2 * 0"]
)
def test_valid_cron(expression: str) -> None:
    assert cron_problem(expression) == ""


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("0 22 * *", "5 fields"),
        ("60 * * * *", "minute 60 is outside 0-59"),
        ("0 24 * * *", "hour 24"),
        ("0 0 0 * *", "day of month 0"),
        ("0 0 * 13 *", "month 13"),
        ("*/0 * * * *", "step"),
        ("0 5-1 * * *", "backwards"),
        ("0 1,,2 * * *", "empty"),
        ("0 x * * *", "not a number"),
    ],
)
def test_invalid_cron(expression: str, why: str) -> None:
    assert why in cron_problem(expression)


def test_flow_built_in_code_is_named_by_key() -> None:
    flow = Flow(
        "coded",
        "Coded",
        FlowKind.TROUBLESHOOTING,
        (Node("q", NodeType.DECISION, question="?", options=(Option("A", "x"), Option("B", "y"))),),
        start="q",
    )
    errors = validate_flow(flow)
    assert errors and all(isinstance(e, FlowError) and str(e).startswith("coded:") for e in errors)


def test_validate_file_returns_loader_errors(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(HEAD + RETRY_LOOP.replace("    next: ask", "    nxt: ask"), encoding="utf-8")
    errors = validate_file(path)
    assert [(e.code, e.line) for e in errors] == [("unknown-field", 16)]
    assert str(errors[0]) == f"{path}:16: unknown field 'nxt' in an action node — did you mean 'next'?"


def test_validate_paths_links_files_and_finds_duplicate_keys(tmp_path: Path) -> None:
    sub = HEAD.replace("key: demo", "key: helper") + RETRY_LOOP
    caller = RETRY_LOOP.replace(
        "    type: action\n    title: Restart the spooler\n    instructions: Restart-Service Spooler\n",
        "    type: subflow\n    flow: helper\n",
    )
    (tmp_path / "a-caller.yaml").write_text(HEAD + caller, encoding="utf-8")
    assert [e.code for e in validate_paths([tmp_path / "a-caller.yaml"])] == ["unknown-subflow"]
    assert validate_paths([tmp_path / "a-caller.yaml"], known_flows={"helper"}) == []
    (tmp_path / "b-helper.yaml").write_text(sub, encoding="utf-8")
    assert validate_paths([tmp_path]) == []
    (tmp_path / "c-copy.yaml").write_text(sub, encoding="utf-8")
    errors = validate_paths([tmp_path])
    assert [(e.code, e.line, Path(e.path).name) for e in errors] == [("duplicate-flow-key", 1, "c-copy.yaml")]
    assert "b-helper.yaml" in errors[0].message

"""Semantic checks of one flow. Each check yields ``FlowError``s with the line of the offending node."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from bot.flows.cron import cron_problem
from bot.flows.durations import duration_problem
from bot.flows.errors import FlowError, suggest
from bot.flows.graph import closed_loops, edges, links, reachable
from bot.flows.model import Flow, FlowKind, Node, NodeType, VerificationType
from bot.flows.runner import node_texts, placeholders

KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TROUBLESHOOTING_TYPES = {NodeType.DECISION, NodeType.ACTION, NodeType.SOLUTION, NodeType.SUBFLOW}
STEP_TYPES = {NodeType.PROCEDURE_STEP, NodeType.SECTION_HEADER, NodeType.PROCEDURE_END}


def _err(flow: Flow, line: int, message: str, code: str) -> FlowError:
    return FlowError(flow.source_path or flow.key, line, message, code)


def check_basics(flow: Flow) -> Iterator[FlowError]:
    """Key slug, duplicate ids, node types that belong to this kind of flow."""
    if not KEY.match(flow.key):
        yield _err(
            flow,
            flow.line_of("key"),
            f"key {flow.key!r} must be a slug of lower-case letters, digits and dashes",
            "bad-key",
        )
    seen: dict[str, Node] = {}
    for node in flow.nodes:
        if node.id in seen:
            yield _err(
                flow,
                node.line,
                f"node id {node.id!r} is used twice (first on line {seen[node.id].line})",
                "duplicate-id",
            )
        seen.setdefault(node.id, node)
        allowed = TROUBLESHOOTING_TYPES if flow.kind is FlowKind.TROUBLESHOOTING else STEP_TYPES
        if node.type not in allowed:
            names = ", ".join(sorted(t.value for t in allowed))
            yield _err(
                flow,
                node.line,
                f"node {node.id!r} has type {node.type.value!r}, which a {flow.kind.value} "
                f"flow cannot use (use {names})",
                "bad-node-type",
            )


def check_graph(flow: Flow, known_flows: Collection[str] | None) -> Iterator[FlowError]:
    """Troubleshooting flows: links, required content, reachability, dead ends and loops with no exit."""
    ids = {n.id for n in flow.nodes}
    if not flow.start:
        yield _err(
            flow, flow.line_of("kind"), "missing required field 'start' (the id of the first node)", "missing-field"
        )
    elif flow.start not in ids:
        yield _err(
            flow,
            flow.line_of("start"),
            f"start node {flow.start!r} does not exist{suggest(flow.start, ids)}",
            "unknown-start",
        )
    for node in flow.nodes:
        yield from _content(flow, node, known_flows)
        for target, how in links(node):
            if target not in ids:
                yield _err(
                    flow,
                    node.line,
                    f"node {node.id!r} ({node.type.value}) {how} {target!r}, which does "
                    f"not exist{suggest(target, ids)}",
                    "unknown-next",
                )
    if not any(n.type is NodeType.SOLUTION for n in flow.nodes):
        yield _err(
            flow, flow.line_of("nodes"), "a troubleshooting flow needs at least one solution node", "no-solution"
        )
    if flow.start in ids:
        yield from _reachability(flow)


def _content(flow: Flow, node: Node, known_flows: Collection[str] | None) -> Iterator[FlowError]:
    where = f"node {node.id!r} ({node.type.value})"
    if node.type is NodeType.DECISION:
        if not node.question:
            yield _err(flow, node.line, f"{where} has no 'question'", "missing-field")
        if len(node.options) < 2:
            yield _err(
                flow, node.line, f"{where} needs at least 2 options; it has {len(node.options)}", "single-option"
            )
        keys = [o.key for o in node.options]
        if len(set(keys)) != len(keys):
            yield _err(
                flow,
                node.line,
                f"{where} has two options with the same value/next; give each a 'value'",
                "duplicate-option",
            )
    elif node.type is NodeType.ACTION:
        if not node.title or not node.instructions:
            missing = "'title'" if not node.title else "'instructions'"
            yield _err(flow, node.line, f"{where} has no {missing}", "missing-field")
        if not node.next:
            yield _err(flow, node.line, f"{where} has no 'next': the flow would stop here with no solution", "dead-end")
    elif node.type is NodeType.SOLUTION and not node.resolution:
        yield _err(flow, node.line, f"{where} has no 'resolution' text", "missing-field")
    elif node.type is NodeType.SUBFLOW:
        if not node.flow:
            yield _err(flow, node.line, f"{where} has no 'flow' (the key of the flow to run)", "missing-field")
        elif node.flow == flow.key:
            yield _err(flow, node.line, f"{where} runs its own flow {flow.key!r}", "self-subflow")
        elif known_flows is not None and node.flow not in known_flows:
            yield _err(
                flow,
                node.line,
                f"{where} runs flow {node.flow!r}, which is not in the library{suggest(node.flow, known_flows)}",
                "unknown-subflow",
            )


def _reachability(flow: Flow) -> Iterator[FlowError]:
    graph = edges(flow)
    reached = reachable(graph, flow.start)
    for node in flow.nodes:
        if node.id not in reached:
            yield _err(
                flow, node.line, f"node {node.id!r} is unreachable: no path from the start leads to it", "unreachable"
            )
    for loop in closed_loops(flow, graph, reached):
        names = " -> ".join(repr(n.id) for n in loop)
        yield _err(
            flow,
            loop[0].line,
            f"loop with no exit: {names} lead only to each other and never reach a solution; "
            "give one of them an option or next that leaves the loop",
            "no-exit-loop",
        )


def check_steps(flow: Flow) -> Iterator[FlowError]:
    """Procedural and maintenance flows: one end step, last; titles; headers followed by steps; prompts."""
    ends = [n for n in flow.nodes if n.type is NodeType.PROCEDURE_END]
    if not ends:
        yield _err(flow, flow.line_of("steps"), "a checklist needs exactly one 'procedure_end' step, last", "end-count")
    for extra in ends[1:]:
        yield _err(
            flow, extra.line, f"second 'procedure_end' step {extra.id!r}; a checklist has exactly one", "end-count"
        )
    if ends and flow.nodes and flow.nodes[-1] is not ends[0] and len(ends) == 1:
        yield _err(flow, ends[0].line, f"'procedure_end' step {ends[0].id!r} must be the last step", "end-not-last")
    for i, node in enumerate(flow.nodes):
        if not node.title:
            yield _err(flow, node.line, f"step {node.id!r} has no 'title'", "missing-field")
        if node.type is NodeType.SECTION_HEADER:
            following = flow.nodes[i + 1] if i + 1 < len(flow.nodes) else None
            if following is None or following.type is not NodeType.PROCEDURE_STEP:
                yield _err(flow, node.line, f"section {node.title or node.id!r} has no step under it", "empty-section")
        if node.verification_type is VerificationType.TEXT_INPUT and not node.verification_prompt:
            yield _err(
                flow,
                node.line,
                f"step {node.id!r} asks for text input but has no 'verification_prompt'",
                "missing-prompt",
            )
    if not any(n.type is NodeType.PROCEDURE_STEP for n in flow.nodes):
        yield _err(flow, flow.line_of("steps"), "a checklist needs at least one 'procedure_step'", "no-steps")


def check_variables(flow: Flow) -> Iterator[FlowError]:
    """Every ``[VAR:name]`` is declared under ``variables``; names are unique."""
    declared = [v.name for v in flow.variables]
    for i, name in enumerate(declared):
        if name in declared[:i]:
            first = flow.line_of(f"variables.{declared.index(name)}")
            yield _err(
                flow,
                flow.line_of(f"variables.{i}"),
                f"variable {name!r} is declared twice (first on line {first})",
                "duplicate-variable",
            )
    for node in flow.nodes:
        for text in node_texts(node):
            for name in sorted(placeholders(text)):
                if name not in declared:
                    yield _err(
                        flow,
                        node.line,
                        f"step {node.id!r} uses [VAR:{name}], which is not declared under "
                        f"'variables'{suggest(name, declared)}",
                        "undefined-variable",
                    )


def check_maintenance(flow: Flow) -> Iterator[FlowError]:
    """Maintenance flows: targets present and unique, a valid cron schedule and run deadline if given."""
    if not flow.targets:
        yield _err(
            flow,
            flow.line_of("kind"),
            "a maintenance flow needs 'targets' (the servers or clients to run it on)",
            "no-targets",
        )
    labels = [t.label for t in flow.targets]
    for i, label in enumerate(labels):
        if label in labels[:i]:
            first = flow.line_of(f"targets.{labels.index(label)}")
            yield _err(
                flow,
                flow.line_of(f"targets.{i}"),
                f"target {label!r} is listed twice (first on line {first})",
                "duplicate-target",
            )
    if flow.schedule:
        problem = cron_problem(flow.schedule)
        if problem:
            yield _err(flow, flow.line_of("schedule"), problem, "bad-cron")
    if flow.deadline:
        problem = duration_problem(flow.deadline)
        if problem:
            yield _err(flow, flow.line_of("deadline"), problem, "bad-deadline")

"""Pure helpers to walk a flow: placeholders, checklist order, the next node for an answer."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.flows.model import Flow, Node, NodeType

PLACEHOLDER = re.compile(r"\[VAR:([A-Za-z_][A-Za-z0-9_]*)\]")


def placeholders(text: str) -> set[str]:
    """Names of the ``[VAR:name]`` placeholders in ``text``."""
    return set(PLACEHOLDER.findall(text))


def fill(text: str, variables: Mapping[str, str]) -> str:
    """Replace known placeholders; unknown ones stay as written."""
    return PLACEHOLDER.sub(lambda m: variables.get(m.group(1), m.group(0)) or m.group(0), text)


def node_texts(node: Node) -> list[str]:
    """Every free-text field of a node."""
    out = [
        node.title,
        node.question,
        node.instructions,
        node.expected_outcome,
        node.resolution,
        node.verification_prompt,
        node.warning,
        *node.followups,
        *(o.label for o in node.options),
    ]
    out.extend(c.code for c in node.commands)
    return out


def flow_placeholders(flow: Flow) -> set[str]:
    """Every placeholder used anywhere in the flow."""
    found: set[str] = set()
    for node in flow.nodes:
        for text in node_texts(node):
            found |= placeholders(text)
    return found


def steps_of(flow: Flow) -> list[Node]:
    """Checklist steps in order, without section headers (the end step included)."""
    return [n for n in flow.nodes if n.type is not NodeType.SECTION_HEADER]


def total_steps(flow: Flow) -> int:
    """Steps an engineer works through (the end step not counted)."""
    return sum(1 for n in flow.nodes if n.type is NodeType.PROCEDURE_STEP)


def section_of(flow: Flow, node_id: str) -> str:
    """Title of the nearest section header before the node ("" if none)."""
    section = ""
    for node in flow.nodes:
        if node.type is NodeType.SECTION_HEADER:
            section = node.title
        if node.id == node_id:
            return section
    return ""


def next_step(flow: Flow, node_id: str) -> str | None:
    """The next checklist step after ``node_id`` (None after the last)."""
    steps = steps_of(flow)
    for i, node in enumerate(steps):
        if node.id == node_id:
            return steps[i + 1].id if i + 1 < len(steps) else None
    raise KeyError(f"flow {flow.key!r} has no step {node_id!r}")


def next_node(flow: Flow, node_id: str, choice: str | None) -> str | None:
    """The node a troubleshooting flow goes to from ``node_id`` for this answer."""
    node = flow.node(node_id)
    if node.type is NodeType.DECISION:
        for option in node.options:
            if option.key == choice:
                return option.next
        valid = ", ".join(o.label for o in node.options)
        raise ValueError(f"“{choice}” is not an answer to “{node.question}”; choose one of: {valid}")
    if node.type in (NodeType.ACTION, NodeType.SUBFLOW):
        return node.next
    return None

"""Write a console script that walks a flow from start to finish: the longest path through a troubleshooting
tree (entering sub-flows), every step of a checklist, every target of a maintenance run."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.flows.model import Flow, FlowKind, Node, NodeType, VerificationType


@dataclass
class Walk:
    """Script lines, and what the resulting note must contain."""

    lines: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)


def _longest_path(flow: Flow, node_id: str, seen: frozenset[str] = frozenset()) -> list[tuple[Node, int]]:
    """(node, option index) pairs of the longest loop-free path to a solution or a dead-end sub-flow."""
    node = flow.node(node_id)
    seen = seen | {node_id}
    if node.type is NodeType.SOLUTION or (node.type is NodeType.SUBFLOW and not node.next):
        return [(node, -1)]
    best: list[tuple[Node, int]] = []
    choices = [(i, o.next) for i, o in enumerate(node.options)] if node.type is NodeType.DECISION else [(-1, node.next)]
    for index, nxt in choices:
        if nxt is None or nxt in seen:
            continue
        rest = _longest_path(flow, nxt, seen)
        if rest and len(rest) + 1 > len(best):
            best = [(node, index), *rest]
    return best


def _tree(flow: Flow, flows: dict[str, Flow], walk: Walk, start: str) -> None:
    for node, index in _longest_path(flow, start):
        if node.type is NodeType.DECISION:
            walk.lines.append(str(index + 1))
            walk.expect += [node.question, node.options[index].label]
        elif node.type is NodeType.ACTION:
            walk.lines.append("1")
            walk.expect.append(node.title)
        elif node.type is NodeType.SUBFLOW:
            child = flows[node.flow]
            walk.expect.append(child.name)
            _tree(child, flows, walk, child.first)
            if node.next:
                walk.lines[-3:] = ["2"]  # at the child's solution: "Continue in <parent>" instead of resolving
                walk.expect.pop()  # so the child's resolution text is not the session's resolution
                _tree(flow, flows, walk, node.next)
            return
        elif node.type is NodeType.SOLUTION:
            walk.lines += ["1", "-", "-"]  # "This fixed it", keep the pre-filled summary and follow-ups
            walk.expect.append(node.resolution.split("\n")[0][:60])
            return


def _checklist(flow: Flow, walk: Walk) -> None:
    rounds = len(flow.targets) if flow.kind is FlowKind.MAINTENANCE and flow.targets else 1
    for target in range(rounds):
        for node in flow.nodes:
            if node.type is not NodeType.PROCEDURE_STEP:
                continue
            walk.lines.append("1")
            if node.verification_type is VerificationType.TEXT_INPUT:
                value = f"Recorded {node.id} on run {target + 1}"
                walk.lines.append(value)
                walk.expect.append(value)
            walk.expect.append(node.title.split("[VAR:")[0].strip() or node.id)
        if flow.targets:
            walk.expect.append(flow.targets[target].label)
    walk.lines += ["1", "Checklist completed for the ticket.", "-"]
    walk.expect.append("Checklist completed for the ticket.")


def script_for(flow: Flow, flows: dict[str, Flow]) -> Walk:
    """The script (without the initial `/start`) and the phrases the note must contain."""
    walk = Walk()
    for variable in flow.variables:
        value = f"test-{variable.name}"
        walk.lines.append(value)
        walk.expect.append(value)
    walk.lines.append("/note Spoke to the user; issue confirmed on their device.")
    walk.expect.append("Spoke to the user; issue confirmed on their device.")
    walk.lines += ["/addstep Checked the client's change log", "1"]
    walk.expect.append("[CUSTOM] Checked the client's change log")
    if flow.kind is FlowKind.TROUBLESHOOTING:
        _tree(flow, flows, walk, flow.first)
    else:
        _checklist(flow, walk)
    walk.lines += ["/export txt", "/export html"]
    return walk

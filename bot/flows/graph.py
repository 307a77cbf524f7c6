"""Graph helpers for troubleshooting flows: edges, reachability, exits and loops with no way out."""

from __future__ import annotations

from bot.flows.model import Flow, Node, NodeType


def links(node: Node) -> list[tuple[str, str]]:
    """``(target id, how)`` for every link out of a node, e.g. ``("retest", "continues to")``."""
    if node.type is NodeType.DECISION:
        return [(o.next, f"option {o.label!r} goes to") for o in node.options]
    if node.type in (NodeType.ACTION, NodeType.SUBFLOW) and node.next:
        return [(node.next, "continues to")]
    return []


def edges(flow: Flow) -> dict[str, list[str]]:
    """Node id -> ids of the existing nodes it links to (links to missing nodes are left out)."""
    ids = {n.id for n in flow.nodes}
    out: dict[str, list[str]] = {}
    for node in flow.nodes:
        out.setdefault(node.id, []).extend(t for t, _ in links(node) if t in ids)
    return out


def reachable(graph: dict[str, list[str]], start: str) -> set[str]:
    """Ids reachable from ``start`` (``start`` included)."""
    seen = {start}
    stack = [start]
    while stack:
        for nxt in graph.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def exits(flow: Flow, graph: dict[str, list[str]]) -> set[str]:
    """Ids from which a run can end well: a solution, or a sub-flow with no ``next`` (it ends in its own
    solution), or any node that can reach one of those."""
    done = {n.id for n in flow.nodes if n.type is NodeType.SOLUTION or (n.type is NodeType.SUBFLOW and not n.next)}
    changed = True
    while changed:
        changed = False
        for node_id, targets in graph.items():
            if node_id not in done and any(t in done for t in targets):
                done.add(node_id)
                changed = True
    return done


def components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative), each in discovery order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = graph.get(node, [])
            if i < len(targets):
                work.append((node, i + 1))
                nxt = targets[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.append(member)
                    if member == node:
                        break
                found.append(comp[::-1])
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def closed_loops(flow: Flow, graph: dict[str, list[str]], reached: set[str]) -> list[list[Node]]:
    """Loops (strongly connected groups of reachable nodes) from which no run can ever end well."""
    good = exits(flow, graph)
    loops = []
    for comp in components(graph):
        cyclic = len(comp) > 1 or comp[0] in graph.get(comp[0], [])
        if cyclic and comp[0] in reached and not any(c in good for c in comp):
            loops.append(sorted((flow.node(c) for c in comp), key=lambda n: n.line))
    return loops

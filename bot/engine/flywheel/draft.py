"""Draft: the offline template of a proposal, built deterministically from a group's sessions, and its evidence.

A ``new_flow`` is a troubleshooting flow: the steps the sessions took (most shared first), the fix that worked, then
"Is the problem solved?" with a solution and an escalation leaf. A ``branch_addition`` is the existing flow with one
more branch where the sessions left it: a new option on the decision they left at (or, after an action or a
solution, on a new decision / the decision that led there), leading through their steps to a new solution. Both are
validated like any flow; a draft that does not validate is not proposed. Claude's drafts replace the template when it
is configured (``bot.engine.flywheel.run``).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from bot.engine.flywheel.group import top_terms
from bot.engine.flywheel.records import Digest, Group, Outcome, Step
from bot.flows.dump import dump_flow
from bot.flows.errors import FlowError, FlowLoadError
from bot.flows.loader import parse_flow_text
from bot.flows.model import Command, Flow, FlowKind, FlowStatus, Node, NodeType, Option, Visibility
from bot.flows.validator import validate_flow

MAX_STEPS = 6
SLUG = re.compile(r"[^a-z0-9]+")


def evidence_of(group: Group, base: Flow | None = None) -> dict[str, Any]:
    """What the review shows and ranks by: the sessions (id, title, outcome, date), counts, dates, shared words."""
    items = sorted(group.digests, key=lambda d: d.ended_at)
    outcomes = Counter(d.outcome.value for d in items)
    evidence: dict[str, Any] = {
        "sessions": [
            {"id": d.session_id, "title": d.title, "outcome": d.outcome.value, "ended_at": d.ended_at.isoformat()}
            for d in items
        ],
        "count": len(items),
        "worked": outcomes[Outcome.WORKED.value],
        "failed": outcomes[Outcome.FAILED.value],
        "first": items[0].ended_at.isoformat() if items else "",
        "last": items[-1].ended_at.isoformat() if items else "",
        "terms": top_terms(items),
        "steps": [s.title for s in common_steps(items)],
    }
    if group.flow_key:
        evidence.update(flow=group.flow_key, node=group.node_id)
        if base is not None and base.has_node(group.node_id):
            node = base.node(group.node_id)
            evidence["node_title"] = node.question or node.title or node.id
    return evidence


def merge_evidence(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Evidence of an earlier night with a later night's sessions added (no session twice)."""
    seen = {s["id"] for s in old.get("sessions", [])}
    sessions = [*old.get("sessions", []), *(s for s in new.get("sessions", []) if s["id"] not in seen)]
    merged = {**old, "sessions": sessions, "count": len(sessions)}
    for outcome in (Outcome.WORKED, Outcome.FAILED):
        merged[outcome.value] = sum(1 for s in sessions if s.get("outcome") == outcome.value)
    dates = sorted(s["ended_at"] for s in sessions)
    merged.update(first=dates[0] if dates else "", last=dates[-1] if dates else "")
    return merged


def common_steps(digests: Sequence[Digest]) -> list[Step]:
    """The steps of a group, the ones most sessions took first (first seen order breaks ties), at most six."""
    seen: dict[str, Step] = {}
    count: Counter[str] = Counter()
    for d in digests:
        for s in d.steps:
            key = s.title.casefold()
            if key not in seen or (s.command and not seen[key].command):
                seen[key] = s  # the first with a command wins (the order stays the first sighting's)
            count[key] += 1
    order = {k: i for i, k in enumerate(seen)}
    return [seen[k] for k in sorted(seen, key=lambda k: (-count[k], order[k]))][:MAX_STEPS]


def lead(group: Group) -> Digest:
    """The session that speaks for the group: the latest one whose fix worked, else the latest."""
    worked = [d for d in group.digests if d.outcome is Outcome.WORKED]
    return max(worked or group.digests, key=lambda d: d.ended_at)


def slug(words: Sequence[str], taken: Collection[str]) -> str:
    """A flow key from ``words`` that is not ``taken``."""
    base = SLUG.sub("-", "-".join(words).lower()).strip("-")[:60].strip("-") or "flywheel-flow"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _action(node_id: str, step: Step, next_id: str) -> Node:
    commands = (Command(step.command, step.title[:60], step.language or "powershell"),) if step.command else ()
    instructions = f"{step.title.rstrip('.')}." + (f" Earlier sessions found: {step.detail}" if step.detail else "")
    return Node(node_id, NodeType.ACTION, title=step.title, instructions=instructions, commands=commands, next=next_id)


def _path(prefix: str, group: Group, end_id: str) -> list[Node]:
    """Action nodes for the group's steps and its fix, chained, the last one leading to ``end_id``."""
    top = lead(group)
    steps = common_steps(group.digests)
    if top.fix:
        steps.append(Step(f"Apply the fix: {top.fix}"[:120], top.fix_detail or top.resolution))
    ids = [f"{prefix}-{i + 1}" for i in range(len(steps))]
    return [_action(ids[i], s, ids[i + 1] if i + 1 < len(ids) else end_id) for i, s in enumerate(steps)]


def _solution(node_id: str, group: Group) -> Node:
    top = lead(group)
    steps = common_steps(group.digests)
    title = (top.fix or (steps[0].title if steps else "") or top.title or "Resolved")[:120]
    resolution = top.resolution or top.fix_detail or f"Resolved as in {len(group.digests)} earlier sessions."
    return Node(node_id, NodeType.SOLUTION, title=title, resolution=resolution)


def new_flow(group: Group, taken: Collection[str]) -> Flow:
    """A troubleshooting flow drafted from a free-form group."""
    top = lead(group)
    words = top_terms(group.digests, 3)
    path = _path("step", group, "solved-check")
    check = Node(
        "solved-check",
        NodeType.DECISION,
        question="Is the problem solved?",
        options=(Option("Yes", "solved"), Option("No", "escalate")),
    )
    escalate = Node(
        "escalate",
        NodeType.SOLUTION,
        title="Not solved by these steps",
        resolution="These steps did not solve it: escalate with what you found.",
    )
    nodes = (*path, check, _solution("solved", group), escalate)
    return Flow(
        key=slug(words, taken),
        name=(top.title or " ".join(words).capitalize() or "Drafted flow")[:120],
        kind=FlowKind.TROUBLESHOOTING,
        nodes=nodes,
        start=nodes[0].id,
        status=FlowStatus.DRAFT,
        visibility=Visibility.TEAM,
        category=top.category or "General",
        description=f"Drafted by the knowledge flywheel from {len(group.digests)} resolved sessions like "
        f"“{top.title or top.problem}”.",
        tags=("flywheel",),
        keywords=tuple(top_terms(group.digests)),
    )


def _unique_prefix(flow: Flow) -> str:
    n = 1
    while any(node.id.startswith(f"flywheel-{n}-") or node.id == f"flywheel-{n}" for node in flow.nodes):
        n += 1
    return f"flywheel-{n}"


def branch(flow: Flow, group: Group) -> Flow | None:
    """``flow`` with a new branch where the group's sessions left it; None when there is nowhere to attach it."""
    if not flow.has_node(group.node_id) or flow.kind is not FlowKind.TROUBLESHOOTING:
        return None
    prefix = _unique_prefix(flow)
    solution = _solution(f"{prefix}-solved", group)
    path = _path(prefix, group, solution.id)
    first = path[0].id if path else solution.id
    label = (common_steps(group.digests)[:1] or [Step(lead(group).fix or "Something else")])[0].title
    option = Option(f"Other: {label}"[:75], first, value=prefix)
    left = flow.node(group.node_id)
    nodes = list(flow.nodes)
    if left.type is NodeType.SOLUTION:
        parents = [n for n in flow.nodes if n.type is NodeType.DECISION and any(o.next == left.id for o in n.options)]
        if not parents:
            return None
        left = parents[0]
    if left.type is NodeType.DECISION:
        nodes[nodes.index(left)] = dataclasses.replace(left, options=(*left.options, option))
    elif left.type is NodeType.ACTION and left.next:
        check = Node(
            f"{prefix}-result",
            NodeType.DECISION,
            question=f"What happened after “{left.title}”?",
            options=(Option("As expected", left.next), option),
        )
        nodes[nodes.index(left)] = dataclasses.replace(left, next=check.id)
        nodes.append(check)
    else:
        return None
    nodes += [*path, solution]
    return dataclasses.replace(flow, nodes=tuple(nodes), status=FlowStatus.DRAFT, source_path="")


def checked(source: str, path: str = "proposal.yaml") -> tuple[Flow | None, list[FlowError]]:
    """Load and validate YAML text: (the flow, []) or (None, every problem with its line)."""
    try:
        flow = parse_flow_text(source, path)
    except FlowLoadError as err:
        return None, list(err.errors)
    errors = validate_flow(flow)
    return (None, errors) if errors else (flow, [])


def render(flow: Flow) -> str | None:
    """The YAML of a drafted flow, or None if it does not validate."""
    source = dump_flow(flow)
    return source if checked(source)[0] is not None else None

"""Claude's part: a copilot that can draft a flow from the flywheel's evidence (``EvidenceDrafter``), the request it is
sent (built from redacted digests only), and the check its answer must pass before it replaces the template draft.

The offline copilot has no such method: offline, the template draft (``bot.engine.flywheel.draft``) is the proposal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Protocol, runtime_checkable

from bot.engine.flywheel.draft import checked, slug
from bot.engine.flywheel.group import top_terms
from bot.engine.flywheel.records import Group
from bot.flows.dump import dump_flow
from bot.flows.model import Flow

MAX_SESSIONS_SENT = 8


@runtime_checkable
class EvidenceDrafter(Protocol):
    """A copilot that drafts flows from resolved sessions (``bot.pilot.claude.ClaudeCopilot``, deep model)."""

    async def draft_from_evidence(self, team_id: str, request: str) -> str:
        """A whole flow file (YAML) for ``request``, already loaded and validated; ``CopilotUnavailable`` if not."""
        ...


def request(group: Group, base: Flow | None, template: str) -> str:
    """What Claude is asked: the sessions (redacted), and for a branch the flow, the node, and its YAML."""
    lines = [
        "Proposal: " + ("branch_addition" if base is not None else "new_flow"),
        f"Sessions: {len(group.digests)} ({sum(1 for d in group.digests if d.outcome.value == 'worked')} worked)",
        "Shared words: " + ", ".join(top_terms(group.digests)),
    ]
    for n, d in enumerate(sorted(group.digests, key=lambda d: d.ended_at)[-MAX_SESSIONS_SENT:], start=1):
        lines.append(f"\nSession {n}: {d.title} — outcome {d.outcome.value}")
        if d.problem and d.problem != d.title:
            lines.append(f"Problem: {d.problem}")
        lines += [f"Fact: {f}" for f in d.facts]
        for s in d.steps:
            step = f"Step: {s.title}" + (f" — {s.detail}" if s.detail else "")
            lines.append(step + (f" (command: {s.command})" if s.command else ""))
        if d.fix:
            lines.append(f"Fix: {d.fix}" + (f" — {d.fix_detail}" if d.fix_detail else ""))
        if d.resolution:
            lines.append(f"Resolution: {d.resolution}")
    if base is not None:
        node = base.node(group.node_id) if base.has_node(group.node_id) else None
        where = (node.question or node.title) if node is not None else group.node_id
        lines += [
            f"\nThe engineers left flow `{base.key}` at node `{group.node_id}` (“{where}”).",
            "Return the whole flow with one new branch there; keep the key and every existing node.",
            f"The flow now:\n{dump_flow(base)}",
        ]
    lines.append(f"\nA template draft, to improve on:\n{template}")
    return "\n".join(lines)


def accept(answer: str, group: Group, base: Flow | None, taken: Collection[str]) -> str | None:
    """Claude's draft if it may replace the template: it validates, a branch keeps its flow's key, and a new flow
    gets a key of its own (renamed when it collides). None otherwise."""
    flow, errors = checked(answer)
    if flow is None or errors:
        return None
    if base is not None:
        return answer if flow.key == base.key and all(flow.has_node(n.id) for n in base.nodes) else None
    if flow.key in taken:
        renamed = dataclasses.replace(flow, key=slug([flow.key], taken))
        return dump_flow(renamed)
    return answer

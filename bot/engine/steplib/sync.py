"""Flows and the step library: resolving a flow's ``step:`` references at publish time, syncing a published flow's
action and procedure steps into the library (read-only entries, one per flow node, updated in place), and finding
the library entry a session's step came from."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bot.engine.ports import Ids, UnitOfWork
from bot.engine.steplib.records import LibraryStep, StepType, StepVisibility
from bot.flows.dump import dump_flow
from bot.flows.errors import FlowError
from bot.flows.model import Command, ContentType, Flow, Node, NodeType

SYNCED = (NodeType.ACTION, NodeType.PROCEDURE_STEP)
_CONTENT_TYPES = {
    ContentType.ACTION: StepType.PROCEDURE_STEP,
    ContentType.VERIFICATION: StepType.VERIFICATION,
    ContentType.INFORMATIONAL: StepType.INFORMATIONAL,
    ContentType.WARNING: StepType.WARNING,
}


def _filled(node: Node, step: LibraryStep) -> Node:
    """``node`` with what it leaves out taken from ``step`` (the node's own fields win)."""
    return dataclasses.replace(
        node,
        title=node.title or step.title,
        instructions=node.instructions or step.content,
        commands=node.commands or tuple(Command(code) for code in step.commands),
    )


async def resolve_refs(
    uow: UnitOfWork, team_id: str | None, user_id: str, flow: Flow, source: str
) -> tuple[Flow, str, list[FlowError]]:
    """Fill every node naming a library step (``step:``) from that step, as the publishing team sees the library
    (``team_id`` None: public steps only). Returns the filled flow, the source to store (the flow dumped with the
    filled fields when anything was filled, else ``source`` unchanged) and one error per unknown reference."""
    nodes: list[Node] = []
    errors: list[FlowError] = []
    for node in flow.nodes:
        step = await uow.step_library.get(team_id or "", user_id, node.step) if node.step else None
        if node.step and step is None:
            message = f"step {node.id!r}: no library step {node.step!r} (see `steps search`)"
            errors.append(FlowError(flow.source_path, node.line, message, "bad-ref"))
        nodes.append(_filled(node, step) if step is not None else node)
    if not any(n.step for n in flow.nodes) or errors:
        return flow, source, errors
    filled = dataclasses.replace(flow, nodes=tuple(nodes), _index={})
    return filled, dump_flow(filled), errors


def _entry_type(node: Node) -> StepType:
    return StepType.ACTION if node.type is NodeType.ACTION else _CONTENT_TYPES[node.content_type]


async def sync_flow(uow: UnitOfWork, ids: Ids, team_id: str | None, flow: Flow, now: datetime) -> int:
    """Sync a just-published flow's action and procedure steps into the library as read-only entries of
    ``team_id`` (``team`` visibility) or, for a public flow (None), public ones. Idempotent: the same flow node
    always maps to the same entry, updated when the node changed. Nodes that reuse a library step are skipped
    (they are that step). Returns how many entries were added or changed."""
    changed = 0
    for node in flow.nodes:
        if node.type not in SYNCED or node.step:
            continue
        wanted = LibraryStep(
            id="",
            team_id=team_id,
            slug=f"{flow.key}/{node.id}",
            title=(node.title or node.id)[:200],
            type=_entry_type(node),
            content=node.instructions,
            commands=tuple(c.code for c in node.commands),
            category=flow.category,
            tags=flow.tags,
            visibility=StepVisibility.PUBLIC if team_id is None else StepVisibility.TEAM,
            source_flow=flow.key,
            source_node=node.id,
            created_at=now,
            updated_at=now,
        )
        found = await uow.step_library.by_source(team_id, flow.key, node.id)
        if found is None:
            wanted.id = ids.new()
            await uow.step_library.add(wanted)
            changed += 1
            continue
        fields = ("title", "type", "content", "commands", "category", "tags", "visibility")
        if any(getattr(found, f) != getattr(wanted, f) for f in fields):
            for name in fields:
                setattr(found, name, getattr(wanted, name))
            found.updated_at = now
            await uow.step_library.update(found)
            changed += 1
    return changed


async def entry_for(uow: UnitOfWork, team_id: str, user_id: str, flow: Flow, node: Node) -> LibraryStep | None:
    """The library entry a flow node is: the step it names, else the entry synced from it (the team's, else the
    public one)."""
    if node.step:
        return await uow.step_library.get(team_id, user_id, node.step)
    if node.type not in SYNCED:
        return None
    return await uow.step_library.synced_from(team_id, flow.key, node.id)

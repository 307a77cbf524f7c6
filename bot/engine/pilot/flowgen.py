"""Turn FlowPilot's drafted flow (YAML text) into a validated flow proposal, or say what is wrong with it."""

from __future__ import annotations

from datetime import datetime

from bot.engine.events import PilotWork
from bot.engine.pilot.records import FlowProposal
from bot.flows.errors import FlowLoadError
from bot.flows.loader import parse_flow_text
from bot.flows.model import FlowKind
from bot.flows.validator import validate_flow

MAX_ERRORS_SHOWN = 3


def _strip_fences(text: str) -> str:
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("```"):
        lines = lines[1:]
    if lines and lines[-1].startswith("```"):
        lines = lines[:-1]
    return "\n".join(lines) + "\n"


def draft_proposal(source: str, work: PilotWork, proposal_id: str, now: datetime) -> tuple[FlowProposal | None, str]:
    """(proposal, summary) for a valid draft; (None, the first problems) otherwise."""
    text = _strip_fences(source)
    try:
        flow = parse_flow_text(text, "generated.yaml")
    except FlowLoadError as err:
        return None, "; ".join(e.message for e in err.errors[:MAX_ERRORS_SHOWN])
    errors = validate_flow(flow)
    if errors:
        return None, "; ".join(e.message for e in errors[:MAX_ERRORS_SHOWN])
    if flow.kind is FlowKind.TROUBLESHOOTING:
        summary = (
            f"{len(flow.nodes)} nodes, starting with “{flow.node(flow.first).question or flow.node(flow.first).title}”"
        )
    else:
        summary = f"{len(flow.nodes)} steps"
    proposal = FlowProposal(
        id=proposal_id,
        team_id=work.team_id,
        proposal_type="new_flow",
        status="pending",
        flow_key=flow.key,
        name=flow.name,
        source=text,
        created_at=now,
        description=work.arg[:2000],
    )
    return proposal, summary

"""FlowPilot's stored records that hang off a team or a session: document previews and flow proposals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class DocumentPreview:
    """A generated document kept while the session's ``state_version`` is unchanged (no second model call)."""

    team_id: str
    session_id: str
    kind: str  # "resolution" | "escalation"
    state_version: int
    sections: list[tuple[str, str]]
    created_at: datetime
    assessment: dict[str, Any] = field(default_factory=dict)
    tier: str = ""


@dataclass(slots=True)
class FlowProposal:
    """A proposed flow waiting for review (AI flow builder, knowledge flywheel)."""

    id: str
    team_id: str
    proposal_type: str  # new_flow | enhancement | branch_addition | auto_reinforced
    status: str  # pending | approved | modified | rejected | dismissed | auto_reinforced
    flow_key: str
    name: str
    source: str  # the flow's YAML
    created_at: datetime
    description: str = ""
    source_session_id: str = ""
    created_by: str = ""
    validated_by_outcome: bool = False

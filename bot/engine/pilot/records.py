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
    """A proposed flow waiting for review (AI flow builder, knowledge flywheel).

    The flywheel keeps its ``evidence`` (which sessions, how many, outcomes, dates; ``bot.engine.flywheel``), a
    ``signature`` stable for the same group of sessions (no duplicate on the next night), and for a
    ``branch_addition`` the flow version and node the branch was drafted on. A review (``decided_*``) sets
    ``status``; ``published_version`` is the flow version an approval published."""

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
    evidence: dict[str, Any] = field(default_factory=dict)
    signature: str = ""
    base_version: int = 0
    node_id: str = ""
    tier: str = ""  # who drafted it: "claude" | "offline"
    decided_by: str = ""
    decided_by_name: str = ""
    decided_at: datetime | None = None
    reason: str = ""
    published_version: int = 0

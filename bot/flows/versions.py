"""One line of a flow's version history, as the library shows it (``flow versions KEY``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.flows.model import FlowStatus


@dataclass(frozen=True, slots=True)
class FlowVersion:
    """A stored version of the flow a team sees: its number, status, when it was saved, and whether it is the
    public (bundled) copy rather than the team's own."""

    version: int
    status: FlowStatus
    created_at: datetime
    public: bool = False

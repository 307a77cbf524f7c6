"""The in-memory flywheel repository (part of ``tests.fakes.memory_store``): runs, resolved sessions, reviews."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.engine.flywheel.records import FlywheelRun
from bot.engine.model import SessionStatus
from bot.engine.pilot.records import FlowProposal

REVIEW = ("status", "source", "name", "flow_key", "decided_by", "decided_by_name", "decided_at", "reason")


class Flywheel:
    """The fake ``FlywheelRepository``: reads and writes the unit of work's copy of the state."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    @property
    def _proposals(self) -> list[FlowProposal]:
        return list(self._uow.state.proposals)

    async def resolved_since(self, team_id: str, after: datetime | None, limit: int) -> Sequence[tuple[str, datetime]]:
        found = [
            s
            for s in self._uow.state.sessions.values()
            if s.team_id == team_id
            and s.status is SessionStatus.RESOLVED
            and s.ended_at is not None
            and (after is None or s.ended_at > after)
        ]
        ordered = sorted(found, key=lambda s: (s.ended_at, s.id))[: max(1, limit)]
        return [(s.id, s.ended_at) for s in ordered if s.ended_at is not None]

    async def last_run(self, team_id: str) -> FlywheelRun | None:
        runs = [r for r in self._uow.state.flywheel_runs if r.team_id == team_id]
        return copy.deepcopy(max(runs, key=lambda r: r.ran_at)) if runs else None

    async def add_run(self, run: FlywheelRun) -> None:
        self._uow.state.flywheel_runs.append(copy.deepcopy(run))

    async def proposal(self, team_id: str, proposal_id: str) -> FlowProposal | None:
        found = next((p for p in self._proposals if p.team_id == team_id and p.id == proposal_id), None)
        return copy.deepcopy(found)

    async def by_signature(self, team_id: str, signature: str) -> FlowProposal | None:
        found = next((p for p in self._proposals if p.team_id == team_id and (p.signature or p.id) == signature), None)
        return copy.deepcopy(found)

    async def all_proposals(self, team_id: str, limit: int = 500) -> Sequence[FlowProposal]:
        return [copy.deepcopy(p) for p in reversed(self._proposals) if p.team_id == team_id][:limit]

    async def update_evidence(self, proposal: FlowProposal) -> None:
        stored = self._stored(proposal)
        if stored is not None and stored.status == "pending":
            stored.evidence, stored.source = copy.deepcopy(proposal.evidence), proposal.source
            stored.description, stored.tier = proposal.description, proposal.tier
            stored.validated_by_outcome = proposal.validated_by_outcome

    async def decide(self, proposal: FlowProposal) -> bool:
        stored = self._stored(proposal)
        if stored is None or stored.status != "pending":
            return False
        for name in (*REVIEW, "published_version"):
            setattr(stored, name, getattr(proposal, name))
        return True

    def _stored(self, proposal: FlowProposal) -> FlowProposal | None:
        return next(
            (p for p in self._uow.state.proposals if p.team_id == proposal.team_id and p.id == proposal.id), None
        )

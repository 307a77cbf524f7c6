"""The knowledge flywheel's storage (``bot.engine.flywheel.records.FlywheelRepository``): resolved sessions to read,
runs, and flow proposals with their details (``flow_proposals`` + ``flow_proposal_details``, one-to-one).

``proposal_values`` / ``proposal_from_row`` are shared with ``SqlPilot`` (which adds and lists proposals), so every
proposal is written and read the same way. A review is ``UPDATE … WHERE status = 'pending'``: the first reviewer
wins, a racing second changes nothing and is told who decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, insert, select, update

from bot.engine.flywheel.records import FlywheelRun
from bot.engine.pilot.records import FlowProposal
from bot.store.flywheel_tables import FlowProposalDetailRow, FlywheelRunRow
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import FlowProposalRow, SessionRow

PROPOSALS, DETAILS = table_of(FlowProposalRow), table_of(FlowProposalDetailRow)
RUNS, SESSIONS = table_of(FlywheelRunRow), table_of(SessionRow)
CORE = tuple(c.name for c in PROPOSALS.c)
DETAIL = tuple(c.name for c in DETAILS.c if c.name not in ("proposal_id", "team_id"))
REVIEW = ("decided_by", "decided_by_name", "decided_at", "reason", "published_version")
PENDING = "pending"
_TEAM: BindParameter[str] = bindparam("b_team")
JOINED = select(PROPOSALS, *(DETAILS.c[name] for name in DETAIL)).join_from(
    PROPOSALS, DETAILS, DETAILS.c.proposal_id == PROPOSALS.c.id, isouter=True
)
NEWEST_FIRST = (PROPOSALS.c.created_at.desc(), PROPOSALS.c.id)


def proposal_values(proposal: FlowProposal) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``flow_proposals`` row and the ``flow_proposal_details`` row of a proposal (signature: its id if none)."""
    core = {name: getattr(proposal, name) for name in CORE}
    detail = {name: getattr(proposal, name) for name in DETAIL}
    detail.update(proposal_id=proposal.id, team_id=proposal.team_id, signature=proposal.signature or proposal.id)
    detail["evidence"] = dict(proposal.evidence)
    return core, detail


def proposal_from_row(row: Any) -> FlowProposal:
    """A proposal from a ``JOINED`` row (details at their defaults when the proposal has no details row)."""
    proposal = FlowProposal(**{name: getattr(row, name) for name in CORE})
    if row.signature is not None:
        for name in DETAIL:
            setattr(proposal, name, getattr(row, name))
        proposal.evidence = dict(row.evidence or {})
    return proposal


class SqlFlywheel(SqlRepository):
    """``FlywheelRepository``; every query is scoped by team."""

    async def resolved_since(self, team_id: str, after: datetime | None, limit: int) -> Sequence[tuple[str, datetime]]:
        """(id, end time) of resolved sessions that ended after ``after``, oldest end first."""
        stmt = select(SESSIONS.c.id, SESSIONS.c.ended_at).where(
            SESSIONS.c.team_id == team_id, SESSIONS.c.status == "resolved", SESSIONS.c.ended_at.is_not(None)
        )
        if after is not None:
            stmt = stmt.where(SESSIONS.c.ended_at > after)
        rows = await self.all(stmt.order_by(SESSIONS.c.ended_at, SESSIONS.c.id).limit(max(1, limit)))
        return [(r.id, r.ended_at) for r in rows]

    async def last_run(self, team_id: str) -> FlywheelRun | None:
        """The team's newest run."""
        stmt = select(RUNS).where(RUNS.c.team_id == _TEAM).order_by(RUNS.c.ran_at.desc(), RUNS.c.id).limit(1)
        row = await self.first(stmt, {"b_team": team_id})
        return None if row is None else FlywheelRun(**{c: getattr(row, c) for c in RUNS.c.keys()})  # noqa: SIM118

    async def add_run(self, run: FlywheelRun) -> None:
        """Record a run."""
        await self.run(insert(RUNS), {c: getattr(run, c) for c in RUNS.c.keys()})  # noqa: SIM118

    async def proposal(self, team_id: str, proposal_id: str) -> FlowProposal | None:
        """One proposal of the team."""
        row = await self.first(JOINED.where(PROPOSALS.c.team_id == team_id, PROPOSALS.c.id == proposal_id))
        return None if row is None else proposal_from_row(row)

    async def by_signature(self, team_id: str, signature: str) -> FlowProposal | None:
        """The proposal with this group signature."""
        row = await self.first(JOINED.where(DETAILS.c.team_id == team_id, DETAILS.c.signature == signature))
        return None if row is None else proposal_from_row(row)

    async def all_proposals(self, team_id: str, limit: int = 500) -> Sequence[FlowProposal]:
        """Every proposal of the team, newest first."""
        rows = await self.all(JOINED.where(PROPOSALS.c.team_id == team_id).order_by(*NEWEST_FIRST).limit(limit))
        return [proposal_from_row(r) for r in rows]

    async def update_evidence(self, proposal: FlowProposal) -> None:
        """Save a pending proposal's new evidence and draft."""
        mine = (PROPOSALS.c.team_id == proposal.team_id, PROPOSALS.c.id == proposal.id, PROPOSALS.c.status == PENDING)
        values: dict[str, Any] = {"source": proposal.source, "description": proposal.description}
        values["validated_by_outcome"] = proposal.validated_by_outcome
        result = await self.run(update(PROPOSALS).where(*mine).values(**values))
        if result.rowcount == 1:
            await self._details(proposal, evidence=dict(proposal.evidence), tier=proposal.tier)

    async def decide(self, proposal: FlowProposal) -> bool:
        """Save the review if the proposal is still pending; False (nothing written) if someone decided first."""
        mine = (PROPOSALS.c.team_id == proposal.team_id, PROPOSALS.c.id == proposal.id, PROPOSALS.c.status == PENDING)
        values = {"status": proposal.status, "source": proposal.source, "name": proposal.name}
        result = await self.run(update(PROPOSALS).where(*mine).values(flow_key=proposal.flow_key, **values))
        if result.rowcount != 1:
            return False
        await self._details(proposal, **{name: getattr(proposal, name) for name in REVIEW})
        return True

    async def _details(self, proposal: FlowProposal, **values: Any) -> None:
        """Update the proposal's details row, or insert it (a proposal stored before the flywheel existed)."""
        stmt = update(DETAILS).where(DETAILS.c.team_id == proposal.team_id, DETAILS.c.proposal_id == proposal.id)
        result = await self.run(stmt.values(**values))
        if result.rowcount == 0:
            _, detail = proposal_values(proposal)
            async with self.natural_key("a flow proposal's details"):
                await self.run(insert(DETAILS), {**detail, **values})

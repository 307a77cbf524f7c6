"""FlowPilot's records: drafted scripts, document previews (one per session and kind), flow proposals (stored and
read with their details through ``bot.store.repositories.flywheel``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import BindParameter, bindparam, delete, insert, select

from bot.engine.model import ScriptGeneration
from bot.engine.pilot.records import DocumentPreview, FlowProposal
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.repositories.flywheel import DETAILS, JOINED, NEWEST_FIRST, PROPOSALS, proposal_from_row, proposal_values
from bot.store.tables import DocumentPreviewRow, ScriptGenerationRow

SCRIPTS, PREVIEWS = table_of(ScriptGenerationRow), table_of(DocumentPreviewRow)
_TEAM: BindParameter[str] = bindparam("b_team")
_SESSION: BindParameter[str] = bindparam("b_session")
SCRIPTS_OF = (
    select(SCRIPTS)
    .where(SCRIPTS.c.team_id == _TEAM, SCRIPTS.c.session_id == _SESSION)
    .order_by(SCRIPTS.c.created_at, SCRIPTS.c.id)
)
PREVIEW = select(PREVIEWS).where(
    PREVIEWS.c.team_id == _TEAM, PREVIEWS.c.session_id == _SESSION, PREVIEWS.c.kind == bindparam("b_kind")
)
DROP_PREVIEW = delete(PREVIEWS).where(
    PREVIEWS.c.team_id == _TEAM, PREVIEWS.c.session_id == _SESSION, PREVIEWS.c.kind == bindparam("b_kind")
)
PROPOSALS_IN = JOINED.where(PROPOSALS.c.team_id == _TEAM, PROPOSALS.c.status == bindparam("b_status")).order_by(
    *NEWEST_FIRST
)


class SqlPilot(SqlRepository):
    """``PilotRepository``; every query is scoped by team."""

    async def add_script(self, script: ScriptGeneration) -> None:
        """Store a drafted script."""
        await self.run(insert(SCRIPTS), dataclasses.asdict(script))

    async def scripts(self, team_id: str, session_id: str) -> Sequence[ScriptGeneration]:
        """The session's drafted scripts, oldest first."""
        rows = await self.all(SCRIPTS_OF, {"b_team": team_id, "b_session": session_id})
        return [
            ScriptGeneration(
                id=r.id,
                team_id=r.team_id,
                session_id=r.session_id,
                language=r.language,
                script=r.script,
                created_at=r.created_at,
                purpose=r.purpose,
                parameters=dict(r.parameters or {}),
            )
            for r in rows
        ]

    async def preview(self, team_id: str, session_id: str, kind: str) -> DocumentPreview | None:
        """The stored preview of this kind, if any."""
        r = await self.first(PREVIEW, {"b_team": team_id, "b_session": session_id, "b_kind": kind})
        if r is None:
            return None
        return DocumentPreview(
            team_id=r.team_id,
            session_id=r.session_id,
            kind=r.kind,
            state_version=r.state_version,
            sections=[(str(h), str(b)) for h, b in r.sections or []],
            created_at=r.created_at,
            assessment=dict(r.assessment or {}),
            tier=r.tier,
        )

    async def put_preview(self, preview: DocumentPreview) -> None:
        """Replace the preview of this kind (delete + insert: portable, and previews are written rarely)."""
        keys = {"b_team": preview.team_id, "b_session": preview.session_id, "b_kind": preview.kind}
        await self.run(DROP_PREVIEW, keys)
        values = dataclasses.asdict(preview)
        values["sections"] = [[h, b] for h, b in preview.sections]
        await self.run(insert(PREVIEWS), values)

    async def add_proposal(self, proposal: FlowProposal) -> None:
        """Store a flow proposal with its details (evidence, signature); ``DuplicateRowError`` when a proposal with
        the same signature was stored concurrently."""
        core, detail = proposal_values(proposal)
        await self.run(insert(PROPOSALS), core)
        async with self.natural_key("a flow proposal with this signature"):
            await self.run(insert(DETAILS), detail)

    async def proposals(self, team_id: str, status: str = "pending") -> Sequence[FlowProposal]:
        """The team's proposals in this status, newest first."""
        rows = await self.all(PROPOSALS_IN, {"b_team": team_id, "b_status": status})
        return [proposal_from_row(r) for r in rows]

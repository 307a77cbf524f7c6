"""Escalations (``bot.engine.escalation.records.EscalationRepository``) over ``escalations``; every query is scoped
by team.

``claim`` is the one conditional write that makes claiming atomic: ``UPDATE … SET claimed_by = :user WHERE id AND
team_id AND claimed_by IS NULL``. On PostgreSQL a second claimer's ``UPDATE`` waits for the first one's transaction
and, once it commits, re-checks the condition and changes nothing; SQLite runs one writer at a time. Either way one
claimer gets a row count of 1 and every other gets 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, insert, select, update

from bot.engine.escalation.records import Escalation, PackageSource
from bot.store.escalation_tables import EscalationRow
from bot.store.repositories.base import SqlRepository, table_of

ESCALATIONS = table_of(EscalationRow)
_TEAM: BindParameter[str] = bindparam("b_team")
_ID: BindParameter[str] = bindparam("b_id")
INSERT = insert(ESCALATIONS)
GET = select(ESCALATIONS).where(ESCALATIONS.c.team_id == _TEAM, ESCALATIONS.c.id == _ID)
LATEST = (
    select(ESCALATIONS)
    .where(ESCALATIONS.c.team_id == _TEAM, ESCALATIONS.c.session_id == bindparam("b_session"))
    .order_by(ESCALATIONS.c.created_at.desc(), ESCALATIONS.c.id.desc())
    .limit(1)
)
BY_OUTBOX = (
    select(ESCALATIONS).where(ESCALATIONS.c.team_id == _TEAM, ESCALATIONS.c.outbox_id == bindparam("b_outbox")).limit(1)
)
SINCE = (
    select(ESCALATIONS)
    .where(ESCALATIONS.c.team_id == _TEAM, ESCALATIONS.c.created_at >= bindparam("b_since"))
    .order_by(ESCALATIONS.c.created_at, ESCALATIONS.c.id)
)
CLAIM = (
    update(ESCALATIONS)
    .where(ESCALATIONS.c.team_id == _TEAM, ESCALATIONS.c.id == _ID, ESCALATIONS.c.claimed_by.is_(None))
    .values(claimed_by=bindparam("b_user"), claimed_by_name=bindparam("b_name"), claimed_at=bindparam("b_at"))
)
UPDATABLE = ("package", "package_version", "outbox_id", "note_id", "choice", "first_action_at", "reminders")
SAVE = (
    update(ESCALATIONS)
    .where(ESCALATIONS.c.team_id == _TEAM, ESCALATIONS.c.id == _ID)
    .values({name: bindparam(f"v_{name}") for name in (*UPDATABLE, "last_reminded_at")})
)


def _from_row(r: Any) -> Escalation:
    return Escalation(
        id=r.id,
        team_id=r.team_id,
        session_id=r.session_id,
        escalated_by=r.escalated_by,
        escalated_by_name=r.escalated_by_name,
        created_at=r.created_at,
        reason=r.reason,
        target_id=r.target_id,
        target_name=r.target_name,
        package=PackageSource(r.package),
        package_version=r.package_version,
        outbox_id=r.outbox_id,
        note_id=r.note_id,
        claimed_by=r.claimed_by or "",
        claimed_by_name=r.claimed_by_name,
        claimed_at=r.claimed_at,
        choice=r.choice,
        first_action_at=r.first_action_at,
        reminders=r.reminders,
        last_reminded_at=r.last_reminded_at,
    )


class SqlEscalations(SqlRepository):
    """``EscalationRepository`` in SQL."""

    async def add(self, escalation: Escalation) -> None:
        """Insert an escalation (unclaimed unless the record says otherwise)."""
        e = escalation
        await self.run(
            INSERT,
            {
                "id": e.id,
                "team_id": e.team_id,
                "session_id": e.session_id,
                "escalated_by": e.escalated_by,
                "escalated_by_name": e.escalated_by_name,
                "created_at": e.created_at,
                "reason": e.reason,
                "target_id": e.target_id,
                "target_name": e.target_name,
                "package": e.package.value,
                "package_version": e.package_version,
                "outbox_id": e.outbox_id,
                "note_id": e.note_id,
                "claimed_by": e.claimed_by or None,
                "claimed_by_name": e.claimed_by_name,
                "claimed_at": e.claimed_at,
                "choice": e.choice,
                "first_action_at": e.first_action_at,
                "reminders": e.reminders,
                "last_reminded_at": e.last_reminded_at,
            },
        )

    async def get(self, team_id: str, escalation_id: str) -> Escalation | None:
        """One escalation by id."""
        row = await self.first(GET, {"b_team": team_id, "b_id": escalation_id})
        return _from_row(row) if row is not None else None

    async def latest_for_session(self, team_id: str, session_id: str) -> Escalation | None:
        """The session's newest escalation."""
        row = await self.first(LATEST, {"b_team": team_id, "b_session": session_id})
        return _from_row(row) if row is not None else None

    async def by_outbox(self, team_id: str, outbox_id: str) -> Escalation | None:
        """The escalation whose package note is this outbox item."""
        if not outbox_id:
            return None
        row = await self.first(BY_OUTBOX, {"b_team": team_id, "b_outbox": outbox_id})
        return _from_row(row) if row is not None else None

    async def claim(self, team_id: str, escalation_id: str, user_id: str, user_name: str, at: datetime) -> bool:
        """The conditional claim; True for the one claimer whose write changed the row."""
        params = {"b_team": team_id, "b_id": escalation_id, "b_user": user_id, "b_name": user_name, "b_at": at}
        result = await self.run(CLAIM, params)
        return bool(result.rowcount == 1)

    async def update(self, escalation: Escalation) -> None:
        """Save everything but the claim."""
        e = escalation
        params: dict[str, Any] = {"b_team": e.team_id, "b_id": e.id, "v_last_reminded_at": e.last_reminded_at}
        for name in UPDATABLE:
            value = getattr(e, name)
            params[f"v_{name}"] = value.value if isinstance(value, PackageSource) else value
        await self.run(SAVE, params)

    async def since(self, team_id: str, since: datetime) -> Sequence[Escalation]:
        """The team's escalations created at or after ``since``, oldest first."""
        rows = await self.all(SINCE, {"b_team": team_id, "b_since": since})
        return [_from_row(r) for r in rows]

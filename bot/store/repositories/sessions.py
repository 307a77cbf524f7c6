"""Sessions and what hangs off them: the timeline, facts and suggested fixes.

Concurrency:

* ``save`` is optimistic: ``UPDATE … WHERE id AND team_id AND state_version = expected``; no row -> stale.
* ``append_timeline`` numbers entries 1, 2, 3 … per session in one statement: ``INSERT … SELECT (…, (SELECT
  coalesce(max(seq), 0) + 1 …)) WHERE EXISTS (the session, in this team) ON CONFLICT (session_id, seq) DO NOTHING
  RETURNING seq``. ``UNIQUE (session_id, seq)`` is what serializes concurrent appends to one session: on
  PostgreSQL a second writer that computed the same number waits for the first one's transaction; if that commits,
  the ``INSERT`` does nothing (no error, the transaction stays usable) and is re-run, now seeing the committed
  entry. SQLite runs one writer at a time and the statement reads under its write lock, so it never conflicts. No
  separate row lock is taken; a transaction that appends to a session and also saves it must append first (every
  engine handler does), so two of them queue on the timeline before either locks the session row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, insert, select, update
from sqlalchemy.sql.dml import Insert

from bot.engine.model import Fact, Session, SessionStatus, SuggestedFix, TimelineEntry
from bot.engine.ports import DuplicateRowError, StaleSessionError
from bot.store.mapping import (
    fact_from_row,
    fact_values,
    fix_from_row,
    fix_values,
    session_from_row,
    session_values,
    timeline_from_row,
    timeline_values,
)
from bot.store.repositories.base import SqlRepository, dialect_insert, per_dialect, table_of
from bot.store.tables import FactRow, SessionRow, SuggestedFixRow, TimelineRow

OPEN = (SessionStatus.ACTIVE.value, SessionStatus.PAUSED.value)
APPEND_ATTEMPTS = 20  # each re-run means another transaction committed an entry; past this, retry the unit of work

SESSIONS, TIMELINE, FACTS, FIXES = (
    table_of(SessionRow),
    table_of(TimelineRow),
    table_of(FactRow),
    table_of(SuggestedFixRow),
)
_B_ID: BindParameter[str] = bindparam("b_id")
_B_TEAM: BindParameter[str] = bindparam("b_team")
_B_SESSION: BindParameter[str] = bindparam("b_session")

INSERT_SESSION, INSERT_FACT, INSERT_FIX = insert(SESSIONS), insert(FACTS), insert(FIXES)
GET = select(SESSIONS).where(SESSIONS.c.id == _B_ID, SESSIONS.c.team_id == _B_TEAM)
IN_TEAM = select(SESSIONS.c.id).where(SESSIONS.c.id == _B_ID, SESSIONS.c.team_id == _B_TEAM)
SAVE = update(SESSIONS).where(
    SESSIONS.c.id == _B_ID, SESSIONS.c.team_id == _B_TEAM, SESSIONS.c.state_version == bindparam("b_expected")
)
OPEN_IN_CONVERSATION = (
    select(SESSIONS)
    .where(
        SESSIONS.c.team_id == _B_TEAM,
        SESSIONS.c.conversation_key == bindparam("b_key"),
        SESSIONS.c.status.in_(OPEN),
    )
    .order_by(SESSIONS.c.updated_at.desc(), SESSIONS.c.started_at.desc(), SESSIONS.c.id.desc())
    .limit(1)
)
FOR_ENGINEER = (
    select(SESSIONS)
    .where(
        SESSIONS.c.team_id == _B_TEAM,
        SESSIONS.c.engineer_id == bindparam("b_engineer"),
        SESSIONS.c.status.in_(bindparam("b_statuses", expanding=True)),
    )
    .order_by(SESSIONS.c.updated_at.desc(), SESSIONS.c.id.desc())
    .limit(bindparam("b_limit"))
)
TIMELINE_OF = (
    select(TIMELINE).where(TIMELINE.c.team_id == _B_TEAM, TIMELINE.c.session_id == _B_SESSION).order_by(TIMELINE.c.seq)
)
FACTS_OF = (
    select(FACTS)
    .where(FACTS.c.team_id == _B_TEAM, FACTS.c.session_id == _B_SESSION, FACTS.c.deleted_at.is_(None))
    .order_by(FACTS.c.created_at, FACTS.c.id)
)
FIXES_OF = (
    select(FIXES)
    .where(FIXES.c.team_id == _B_TEAM, FIXES.c.session_id == _B_SESSION)
    .order_by(FIXES.c.created_at, FIXES.c.id)
)
UPDATE_FIX = update(FIXES).where(FIXES.c.id == _B_ID, FIXES.c.team_id == _B_TEAM)


@per_dialect
def append_statement(dialect: str) -> Insert:
    """The one-statement timeline append of this dialect (see the module docstring), fed with ``timeline_values``;
    returns the new ``seq``, or no row (a concurrent append took the number, or no such session in the team)."""
    columns = [c for c in TIMELINE.c if c.name != "seq"]
    binds = {c.name: bindparam(c.name, type_=c.type) for c in columns}
    next_seq = (
        select(func.coalesce(func.max(TIMELINE.c.seq), 0) + 1)
        .where(TIMELINE.c.session_id == binds["session_id"])
        .scalar_subquery()
    )
    in_team = select(SESSIONS.c.id).where(SESSIONS.c.id == binds["session_id"], SESSIONS.c.team_id == binds["team_id"])
    rows = select(*binds.values(), next_seq).where(in_team.exists())
    stmt = dialect_insert(dialect)(TIMELINE).from_select([*binds, "seq"], rows)
    appended: Insert = stmt.on_conflict_do_nothing(index_elements=["session_id", "seq"]).returning(TIMELINE.c.seq)
    return appended


class SqlSessions(SqlRepository):
    """``SessionRepository``; every query is scoped by team."""

    async def add(self, session: Session) -> None:
        """Insert a new session."""
        await self.run(INSERT_SESSION, session_values(session))

    async def get(self, team_id: str, session_id: str) -> Session | None:
        """A session by id, within the team."""
        row = await self.first(GET, {"b_id": session_id, "b_team": team_id})
        return session_from_row(row) if row else None

    async def save(self, session: Session, expected_version: int) -> None:
        """Write the session if its stored ``state_version`` is still ``expected_version``.

        Raises ``StaleSessionError`` otherwise (someone else saved it first, or it is not in this team).
        """
        values: dict[str, Any] = session_values(session)
        del values["id"], values["team_id"]
        values.update(b_id=session.id, b_team=session.team_id, b_expected=expected_version)
        result = await self.run(SAVE, values)
        if result.rowcount != 1:
            raise StaleSessionError(f"session {session.id} is no longer at version {expected_version}")

    async def open_in_conversation(self, team_id: str, conversation_key: str) -> Session | None:
        """The newest active or paused session of this conversation."""
        row = await self.first(OPEN_IN_CONVERSATION, {"b_team": team_id, "b_key": conversation_key})
        return session_from_row(row) if row else None

    async def for_engineer(
        self, team_id: str, engineer_id: str, statuses: Sequence[SessionStatus], limit: int = 20
    ) -> Sequence[Session]:
        """The engineer's sessions in these statuses, most recently updated first."""
        params = {"b_team": team_id, "b_engineer": engineer_id, "b_statuses": [s.value for s in statuses]}
        return [session_from_row(r) for r in await self.all(FOR_ENGINEER, {**params, "b_limit": limit})]

    async def append_timeline(self, entry: TimelineEntry) -> None:
        """Append one entry and set ``entry.seq`` to its number; ``LookupError`` if the team has no such session."""
        stmt, values = append_statement(self.dialect), timeline_values(entry)
        for _ in range(APPEND_ATTEMPTS):
            seq = (await self.run(stmt, values)).scalar()
            if seq is not None:
                entry.seq = int(seq)
                return
            if await self.first(IN_TEAM, {"b_id": entry.session_id, "b_team": entry.team_id}) is None:
                raise LookupError(f"no session {entry.session_id} in team {entry.team_id}")
        raise DuplicateRowError(f"timeline of session {entry.session_id} kept being appended to concurrently")

    async def timeline(self, team_id: str, session_id: str) -> Sequence[TimelineEntry]:
        """The session's timeline in ``seq`` order."""
        return [timeline_from_row(r) for r in await self.all(TIMELINE_OF, {"b_team": team_id, "b_session": session_id})]

    async def add_fact(self, fact: Fact) -> None:
        """Insert a fact."""
        await self.run(INSERT_FACT, fact_values(fact))

    async def facts(self, team_id: str, session_id: str) -> Sequence[Fact]:
        """Facts not soft-deleted, oldest first."""
        return [fact_from_row(r) for r in await self.all(FACTS_OF, {"b_team": team_id, "b_session": session_id})]

    async def add_fix(self, fix: SuggestedFix) -> None:
        """Insert a suggested fix."""
        await self.run(INSERT_FIX, fix_values(fix))

    async def update_fix(self, fix: SuggestedFix) -> None:
        """Save a fix's decision, outcome and supersession; ``LookupError`` if the team has no such fix."""
        values = fix_values(fix)
        del values["id"], values["team_id"], values["session_id"], values["created_at"]
        result = await self.run(UPDATE_FIX, {**values, "b_id": fix.id, "b_team": fix.team_id})
        if result.rowcount != 1:
            raise LookupError(f"no suggested fix {fix.id} in team {fix.team_id}")

    async def fixes(self, team_id: str, session_id: str) -> Sequence[SuggestedFix]:
        """All fixes of the session, oldest first."""
        return [fix_from_row(r) for r in await self.all(FIXES_OF, {"b_team": team_id, "b_session": session_id})]

"""Which PSA member each user is: ``psa_member_links``, one short transaction per call (read by the outbox worker
and the admin command through the composition root's PSA directory)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.engine.psa import MemberLink
from bot.store.tables import PsaMemberLinkRow


class SqlMemberLinks:
    """Read and write a team's member links."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def all(self, team_id: str) -> dict[str, MemberLink]:
        """Every link of the team, by user id."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(PsaMemberLinkRow).where(PsaMemberLinkRow.team_id == team_id))).all()
        return {r.user_id: MemberLink(r.user_id, r.member_id, r.identifier, r.name, r.email, r.source) for r in rows}

    async def put(self, team_id: str, link: MemberLink, at: datetime) -> None:
        """Insert or replace a user's link."""
        values = {
            "member_id": link.member_id,
            "identifier": link.identifier,
            "name": link.name,
            "email": link.email,
            "source": link.source,
            "updated_at": at,
        }
        async with self._engine.begin() as conn:
            builder = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            stmt = builder(PsaMemberLinkRow).values(team_id=team_id, user_id=link.user_id, **values)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["team_id", "user_id"], set_=values))

    async def delete(self, team_id: str, user_id: str) -> bool:
        """Remove a user's link."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(PsaMemberLinkRow).where(PsaMemberLinkRow.team_id == team_id, PsaMemberLinkRow.user_id == user_id)
            )
        return bool(result.rowcount)

"""Share links (``bot.engine.sharing.records.ShareRepository``) over ``share_links`` and ``share_views``.

Every query is scoped by team except ``by_token_hash`` (a public token is its own credential; its row names the
team). ``revoke`` is conditional (``… WHERE revoked_at IS NULL``), so a link is revoked once. ``record_view`` bumps
the exact counter, logs the view and trims the log to the newest ``VIEW_LOG_LIMIT`` rows of that link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, insert, select, update

from bot.engine.sharing.records import VIEW_LOG_LIMIT, ShareLink, ShareScope, ShareView
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.share_tables import ShareLinkRow, ShareViewRow

LINKS = table_of(ShareLinkRow)
VIEWS = table_of(ShareViewRow)
_TEAM: BindParameter[str] = bindparam("b_team")
_ID: BindParameter[str] = bindparam("b_id")
INSERT = insert(LINKS)
GET = select(LINKS).where(LINKS.c.team_id == _TEAM, LINKS.c.id == _ID)
BY_HASH = select(LINKS).where(LINKS.c.token_hash == bindparam("b_hash")).limit(1)
FOR_SESSION = (
    select(LINKS)
    .where(LINKS.c.team_id == _TEAM, LINKS.c.session_id == bindparam("b_session"))
    .order_by(LINKS.c.created_at.desc(), LINKS.c.id.desc())
)
REVOKE = (
    update(LINKS)
    .where(LINKS.c.team_id == _TEAM, LINKS.c.id == _ID, LINKS.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("b_at"), revoked_by=bindparam("b_by"))
)
COUNT_VIEW = (
    update(LINKS)
    .where(LINKS.c.team_id == _TEAM, LINKS.c.id == _ID)
    .values(views=LINKS.c.views + 1, last_viewed_at=bindparam("b_at"))
)
LOG_VIEW = insert(VIEWS)
_KEPT = (
    select(VIEWS.c.id)
    .where(VIEWS.c.link_id == _ID)
    .order_by(VIEWS.c.at.desc(), VIEWS.c.id.desc())
    .limit(VIEW_LOG_LIMIT)
    .scalar_subquery()
)
TRIM_VIEWS = delete(VIEWS).where(VIEWS.c.link_id == _ID, VIEWS.c.id.not_in(_KEPT))
LIST_VIEWS = (
    select(VIEWS).where(VIEWS.c.team_id == _TEAM, VIEWS.c.link_id == _ID).order_by(VIEWS.c.at.desc(), VIEWS.c.id.desc())
)


def _from_row(r: Any) -> ShareLink:
    return ShareLink(
        id=r.id,
        team_id=r.team_id,
        session_id=r.session_id,
        scope=ShareScope(r.scope),
        created_by=r.created_by,
        created_by_name=r.created_by_name,
        created_at=r.created_at,
        expires_at=r.expires_at,
        token_hash=r.token_hash or "",
        revoked_at=r.revoked_at,
        revoked_by=r.revoked_by,
        views=r.views,
        last_viewed_at=r.last_viewed_at,
    )


class SqlShares(SqlRepository):
    """``ShareRepository`` in SQL."""

    async def add(self, link: ShareLink) -> None:
        """Store a new link (a team link's missing token is stored as NULL, so the unique hash index ignores it)."""
        await self.run(
            INSERT,
            {
                "id": link.id,
                "team_id": link.team_id,
                "session_id": link.session_id,
                "scope": link.scope.value,
                "token_hash": link.token_hash or None,
                "created_by": link.created_by,
                "created_by_name": link.created_by_name,
                "created_at": link.created_at,
                "expires_at": link.expires_at,
                "revoked_at": link.revoked_at,
                "revoked_by": link.revoked_by,
                "views": link.views,
                "last_viewed_at": link.last_viewed_at,
            },
        )

    async def get(self, team_id: str, link_id: str) -> ShareLink | None:
        """One link of this team."""
        row = await self.first(GET, {"b_team": team_id, "b_id": link_id})
        return _from_row(row) if row else None

    async def by_token_hash(self, token_hash: str) -> ShareLink | None:
        """The link whose token hashes to ``token_hash``."""
        if not token_hash:
            return None
        row = await self.first(BY_HASH, {"b_hash": token_hash})
        return _from_row(row) if row else None

    async def for_session(self, team_id: str, session_id: str) -> Sequence[ShareLink]:
        """Every link of a session, newest first."""
        return [_from_row(r) for r in await self.all(FOR_SESSION, {"b_team": team_id, "b_session": session_id})]

    async def revoke(self, team_id: str, link_id: str, by: str, at: datetime) -> bool:
        """Revoke once; False if already revoked or not this team's."""
        result = await self.run(REVOKE, {"b_team": team_id, "b_id": link_id, "b_by": by, "b_at": at})
        return bool(result.rowcount)

    async def record_view(self, view: ShareView) -> None:
        """Count, log, and trim the log of that link."""
        await self.run(COUNT_VIEW, {"b_team": view.team_id, "b_id": view.link_id, "b_at": view.at})
        await self.run(
            LOG_VIEW, {"link_id": view.link_id, "team_id": view.team_id, "at": view.at, "viewer": view.viewer}
        )
        await self.run(TRIM_VIEWS, {"b_id": view.link_id})

    async def views(self, team_id: str, link_id: str) -> Sequence[ShareView]:
        """The logged views of a link, newest first."""
        rows = await self.all(LIST_VIEWS, {"b_team": team_id, "b_id": link_id})
        return [ShareView(r.link_id, r.team_id, r.at, r.viewer) for r in rows]

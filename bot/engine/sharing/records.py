"""Share-link records, their view log, and the repository port (``uow.shares``).

Every call that reads or changes a link takes the team explicitly, except ``by_token_hash``: a public link's token
is the credential itself, so it is looked up by its hash alone and the row says which team it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

VIEW_LOG_LIMIT = 50  # view log rows kept per link (the newest); the counter on the link is exact


class ShareScope(StrEnum):
    """Who can open a link."""

    TEAM = "team"  # the team member it was made for (a signed, per-person link)
    PUBLIC = "public"  # anyone holding the token (always redacted)


@dataclass(slots=True)
class ShareLink:
    """One shared link to a session. ``token_hash`` is the SHA-256 of a public link's token ("" for team links,
    whose signed link is never stored); ``expires_at`` is when the link (and, for a team link, the page access its
    cookie grants) stops working."""

    id: str
    team_id: str
    session_id: str
    scope: ShareScope
    created_by: str  # user id
    created_by_name: str
    created_at: datetime
    expires_at: datetime
    token_hash: str = ""
    revoked_at: datetime | None = None
    revoked_by: str = ""
    views: int = 0
    last_viewed_at: datetime | None = None

    @property
    def short_id(self) -> str:
        """What people type to revoke it: the last 8 hex digits of its id."""
        return self.id.replace("-", "")[-8:]

    def live(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class ShareView:
    """One opening of a shared page: when, and by whom (a team member's user id; "" for a public link)."""

    link_id: str
    team_id: str
    at: datetime
    viewer: str = ""


class ShareRepository(Protocol):
    """Share links and their view log."""

    async def add(self, link: ShareLink) -> None:
        """Store a new link."""
        ...

    async def get(self, team_id: str, link_id: str) -> ShareLink | None:
        """One link of this team."""
        ...

    async def by_token_hash(self, token_hash: str) -> ShareLink | None:
        """The public link whose token hashes to ``token_hash`` (any team: the token is the credential)."""
        ...

    async def for_session(self, team_id: str, session_id: str) -> Sequence[ShareLink]:
        """Every link of a session, newest first."""
        ...

    async def revoke(self, team_id: str, link_id: str, by: str, at: datetime) -> bool:
        """Revoke a link; False if it was revoked already (or is not this team's)."""
        ...

    async def record_view(self, view: ShareView) -> None:
        """Count a view on its link and log it (the log keeps the newest ``VIEW_LOG_LIMIT`` per link)."""
        ...

    async def views(self, team_id: str, link_id: str) -> Sequence[ShareView]:
        """The logged views of a link, newest first."""
        ...

"""The in-memory share-link repository (part of ``tests.fakes.memory_store``)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.engine.sharing.records import VIEW_LOG_LIMIT, ShareLink, ShareView


class Shares:
    """The fake ``ShareRepository`` over the unit of work's copy of the state (``shares``, ``share_views``)."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    @property
    def s(self) -> Any:
        return self._uow.state

    async def add(self, link: ShareLink) -> None:
        if link.token_hash and any(x.token_hash == link.token_hash for x in self.s.shares.values()):
            raise AssertionError("duplicate token hash")
        self.s.shares[link.id] = copy.deepcopy(link)

    async def get(self, team_id: str, link_id: str) -> ShareLink | None:
        found = self.s.shares.get(link_id)
        return copy.deepcopy(found) if found and found.team_id == team_id else None

    async def by_token_hash(self, token_hash: str) -> ShareLink | None:
        found = [x for x in self.s.shares.values() if token_hash and x.token_hash == token_hash]
        return copy.deepcopy(found[0]) if found else None

    async def for_session(self, team_id: str, session_id: str) -> Sequence[ShareLink]:
        found = [x for x in self.s.shares.values() if x.team_id == team_id and x.session_id == session_id]
        return [copy.deepcopy(x) for x in sorted(found, key=lambda x: (x.created_at, x.id), reverse=True)]

    async def revoke(self, team_id: str, link_id: str, by: str, at: datetime) -> bool:
        found = self.s.shares.get(link_id)
        if found is None or found.team_id != team_id or found.revoked_at is not None:
            return False
        self.s.shares[link_id] = dataclasses.replace(found, revoked_at=at, revoked_by=by)
        return True

    async def record_view(self, view: ShareView) -> None:
        found = self.s.shares.get(view.link_id)
        if found is None or found.team_id != view.team_id:
            return
        found.views += 1
        found.last_viewed_at = view.at
        self.s.share_views.append(view)
        mine = [v for v in self.s.share_views if v.link_id == view.link_id]
        for old in mine[:-VIEW_LOG_LIMIT]:
            self.s.share_views.remove(old)

    async def views(self, team_id: str, link_id: str) -> Sequence[ShareView]:
        return [v for v in reversed(self.s.share_views) if v.team_id == team_id and v.link_id == link_id]

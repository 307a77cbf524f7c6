"""Versioned flows: each version keeps its YAML source; team flows shadow public flows with the same key.

A stored version never changes, so its parsed ``Flow`` is cached per ``(flow_id, version)`` in a small LRU owned by
the ``Database`` (shared by every unit of work it makes).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.model import Flow, FlowStatus, Visibility
from bot.store.repositories.base import SqlRepository
from bot.store.tables import FlowRow, FlowVersionRow

PUBLIC = "public"


class FlowCache:
    """A least-recently-used map ``(flow_id, version) -> parsed Flow``."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], Flow] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def parsed(self, row: FlowRow, version: FlowVersionRow) -> Flow:
        """The flow of this stored version, carrying its version number, status and visibility."""
        key = (row.id, version.version)
        flow = self._items.get(key)
        if flow is None:
            from bot.flows.loader import parse_flow_text  # the loader is heavy; import on first use

            flow = parse_flow_text(version.source, f"<{row.scope}/{row.key}@v{version.version}>")
            self._items[key] = flow
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return dataclasses.replace(
            flow, version=version.version, status=FlowStatus(version.status), visibility=Visibility(row.visibility)
        )


class SqlFlows(SqlRepository):
    """``FlowRepository`` over ``flows`` + ``flow_versions``. An empty ``team_id`` means "public flows only"."""

    def __init__(self, session: AsyncSession, cache: FlowCache | None = None) -> None:
        super().__init__(session)
        self._cache = cache if cache is not None else FlowCache()

    async def get(self, team_id: str, key: str, version: int | None = None) -> Flow | None:
        """Flow ``key`` as the team sees it (its own first, else the public one): that version, or the latest
        published one when ``version`` is None. A pinned version stays readable after newer ones are published."""
        stmt = (
            select(FlowRow, FlowVersionRow)
            .join(FlowVersionRow, FlowVersionRow.flow_id == FlowRow.id)
            .where(FlowRow.key == key, FlowRow.scope.in_(self._scopes(team_id)))
        )
        if version is None:
            stmt = stmt.where(FlowVersionRow.status == FlowStatus.PUBLISHED.value)
        else:
            stmt = stmt.where(FlowVersionRow.version == version)
        own_first = (FlowRow.scope == PUBLIC).asc()  # false sorts first: the team's own flow shadows the public one
        result = await self._s.execute(
            stmt.order_by(own_first, FlowVersionRow.version.desc()).limit(1).execution_options(populate_existing=True)
        )
        found = result.first()
        return self._cache.parsed(found[0], found[1]) if found is not None else None

    async def list(self, team_id: str, include_drafts: bool = False) -> Sequence[Flow]:
        """The latest (published, unless ``include_drafts``) version of each flow visible to the team, by key."""
        latest = select(FlowVersionRow.flow_id, func.max(FlowVersionRow.version).label("version"))
        if not include_drafts:
            latest = latest.where(FlowVersionRow.status == FlowStatus.PUBLISHED.value)
        newest = latest.group_by(FlowVersionRow.flow_id).subquery()
        stmt = (
            select(FlowRow, FlowVersionRow)
            .join(newest, newest.c.flow_id == FlowRow.id)
            .join(FlowVersionRow, (FlowVersionRow.flow_id == FlowRow.id) & (FlowVersionRow.version == newest.c.version))
            .where(FlowRow.scope.in_(self._scopes(team_id)))
        )
        chosen: dict[str, tuple[FlowRow, FlowVersionRow]] = {}
        for row, version in (await self._s.execute(stmt.execution_options(populate_existing=True))).all():
            if row.key not in chosen or row.scope != PUBLIC:
                chosen[row.key] = (row, version)
        return [self._cache.parsed(*chosen[key]) for key in sorted(chosen)]

    async def save(self, team_id: str | None, flow: Flow, source: str, status: FlowStatus) -> int:
        """Store ``source`` as a new version of ``flow.key`` (team None = public) and return its number.

        If the newest version has the same source and status, nothing is written and its number is returned.
        The flow row is locked (PostgreSQL) while the next number is chosen, so concurrent saves don't collide.
        """
        scope = team_id or PUBLIC
        now = datetime.now(UTC)
        visibility = Visibility.PUBLIC if team_id is None else _team_visibility(flow.visibility)
        await self._s.execute(
            self.insert_ignoring_conflicts(
                FlowRow,
                id=str(uuid.uuid4()),
                team_id=team_id,
                scope=scope,
                key=flow.key,
                visibility=visibility.value,
                created_at=now,
            )
        )
        lock = select(FlowRow).where(FlowRow.scope == scope, FlowRow.key == flow.key)
        row = await self.first(lock.with_for_update() if self.dialect == "postgresql" else lock)
        if row is None:  # pragma: no cover - inserted just above or already there
            raise LookupError(f"flow {flow.key!r} vanished while saving it")
        newest = await self.first(
            select(FlowVersionRow).where(FlowVersionRow.flow_id == row.id).order_by(FlowVersionRow.version.desc())
        )
        if newest is not None and newest.source == source and newest.status == status.value:
            return newest.version
        number = newest.version + 1 if newest else 1
        await self._s.execute(
            insert(FlowVersionRow).values(
                flow_id=row.id,
                version=number,
                status=status.value,
                name=flow.name,
                kind=flow.kind.value,
                source=source,
                created_at=now,
            )
        )
        if row.visibility != visibility.value:
            await self._s.execute(
                update(FlowRow)
                .where(FlowRow.id == row.id)
                .values(visibility=visibility.value)
                .execution_options(synchronize_session=False)
            )
        return number

    @staticmethod
    def _scopes(team_id: str) -> tuple[str, ...]:
        return (team_id, PUBLIC) if team_id else (PUBLIC,)


def _team_visibility(declared: Visibility) -> Visibility:
    """A team's flow is ``team`` (or ``personal`` if it says so), never ``public``."""
    return Visibility.PERSONAL if declared is Visibility.PERSONAL else Visibility.TEAM

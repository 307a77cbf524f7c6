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
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.flows.model import Flow, FlowStatus, Visibility
from bot.flows.versions import FlowVersion
from bot.store.repositories.base import SqlRepository, table_of
from bot.store.tables import FlowRow, FlowVersionRow

PUBLIC = "public"
FLOWS, VERSIONS = table_of(FlowRow), table_of(FlowVersionRow)
_HEAD = (FLOWS.c.id, FLOWS.c.scope, FLOWS.c.key, FLOWS.c.visibility, VERSIONS.c.version, VERSIONS.c.status)
_OWN_FIRST = (FLOWS.c.scope == PUBLIC).asc()  # false sorts first: the team's own flow shadows the public one
_VISIBLE = (
    select(*_HEAD, VERSIONS.c.id.label("version_id"))
    .join_from(FLOWS, VERSIONS, VERSIONS.c.flow_id == FLOWS.c.id)
    .where(FLOWS.c.key == bindparam("b_key"), FLOWS.c.scope.in_(bindparam("b_scopes", expanding=True)))
)
_RELEASED = (FlowStatus.PUBLISHED.value, FlowStatus.ARCHIVED.value)  # an archived newest hides the flow
LATEST_PUBLISHED = (
    _VISIBLE.where(VERSIONS.c.status.in_(_RELEASED)).order_by(_OWN_FIRST, VERSIONS.c.version.desc()).limit(1)
)
PINNED = _VISIBLE.where(VERSIONS.c.version == bindparam("b_version")).order_by(_OWN_FIRST).limit(1)
SOURCE = select(VERSIONS.c.source).where(VERSIONS.c.id == bindparam("b_id"))


class FlowCache:
    """A least-recently-used map ``(flow_id, version) -> parsed Flow`` (stamped with the status and visibility it
    was last read with)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], Flow] = OrderedDict()
        self._pinned: OrderedDict[tuple[str, str, int], Flow] = OrderedDict()  # (team, key, version) -> flow

    def __len__(self) -> int:
        return len(self._items)

    def get(self, row: Row[Any]) -> Flow | None:
        """The cached flow of a version row (``id``, ``version``, ``status``, ``visibility``), or None."""
        key = (row.id, row.version)
        flow = self._items.get(key)
        if flow is None:
            return None
        self._items.move_to_end(key)
        if flow.status.value != row.status or flow.visibility.value != row.visibility:
            flow = dataclasses.replace(flow, status=FlowStatus(row.status), visibility=Visibility(row.visibility))
            self._items[key] = flow
        return flow

    def pinned(self, team_id: str, key: str, version: int) -> Flow | None:
        """What ``get(team_id, key, version)`` found last in this process, or None.

        A stored version never changes, so the answer only changes when a team's own flow starts to shadow the
        public one with the same key and version number; a save in this process forgets the key (``forget``), and
        another replica's save is seen here after a restart or once the entry ages out (a session keeps the flow it
        started on meanwhile, which is what a pinned session wants)."""
        flow = self._pinned.get((team_id, key, version))
        if flow is not None:
            self._pinned.move_to_end((team_id, key, version))
        return flow

    def pin(self, team_id: str, key: str, version: int, flow: Flow) -> None:
        """Remember the answer of a pinned look-up (at most ``4 * size`` of them)."""
        self._pinned[(team_id, key, version)] = flow
        if len(self._pinned) > 4 * self.size:
            self._pinned.popitem(last=False)

    def forget(self, key: str) -> None:
        """Drop every team's pinned look-ups of flow ``key``."""
        for found in [k for k in self._pinned if k[1] == key]:
            del self._pinned[found]

    def parse(self, row: Row[Any], source: str) -> Flow:
        """Parse ``source`` as the flow of this version row (``id``, ``scope``, ``key``, ``version``, ``status``,
        ``visibility``) and keep it."""
        from bot.flows.loader import parse_flow_text  # the loader is heavy; import on first use

        parsed = parse_flow_text(source, f"<{row.scope}/{row.key}@v{row.version}>")
        flow = dataclasses.replace(
            parsed, version=row.version, status=FlowStatus(row.status), visibility=Visibility(row.visibility)
        )
        self._items[(row.id, row.version)] = flow
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return flow


class SqlFlows(SqlRepository):
    """``FlowRepository`` over ``flows`` + ``flow_versions``. An empty ``team_id`` means "public flows only"."""

    def __init__(self, connection: AsyncConnection, cache: FlowCache | None = None) -> None:
        super().__init__(connection)
        self._cache = cache if cache is not None else FlowCache()

    async def get(self, team_id: str, key: str, version: int | None = None) -> Flow | None:
        """Flow ``key`` as the team sees it (its own first, else the public one): that version, or the latest
        published one when ``version`` is None. A pinned version stays readable after newer ones are published.

        The version's YAML source is read (and parsed) only when the cache does not hold that version yet. A pinned
        version (what a running session asks for on every click) is answered from the cache without a query once
        this process has read it for the team (``FlowCache.pinned``)."""
        if version is None:
            return await self._get(team_id, key, None)
        flow = self._cache.pinned(team_id, key, version)
        if flow is None:
            flow = await self._get(team_id, key, version)
            if flow is not None:
                self._cache.pin(team_id, key, version, flow)
        return flow

    async def _get(self, team_id: str, key: str, version: int | None) -> Flow | None:
        params: dict[str, Any] = {"b_key": key, "b_scopes": list(self._scopes(team_id))}
        if version is None:
            found = await self.first(LATEST_PUBLISHED, params)
        else:
            found = await self.first(PINNED, {**params, "b_version": version})
        if found is None or (version is None and found.status == FlowStatus.ARCHIVED.value):
            return None
        cached = self._cache.get(found)
        if cached is not None:
            return cached
        source = await self.first(SOURCE, {"b_id": found.version_id})
        if source is None:  # pragma: no cover - versions are never deleted
            return None
        return self._cache.parse(found, source.source)

    async def list(self, team_id: str, include_drafts: bool = False) -> Sequence[Flow]:
        """The latest (published, unless ``include_drafts``) version of each flow visible to the team, by key.

        A flow whose newest released version is archived is left out, unless ``include_drafts`` (then it is listed
        with its archived status, like drafts with theirs)."""
        latest = select(VERSIONS.c.flow_id, func.max(VERSIONS.c.version).label("version"))
        if not include_drafts:
            latest = latest.where(VERSIONS.c.status.in_(_RELEASED))
        newest = latest.group_by(VERSIONS.c.flow_id).subquery()
        stmt = (
            select(*_HEAD, VERSIONS.c.source)
            .join_from(FLOWS, newest, newest.c.flow_id == FLOWS.c.id)
            .join(VERSIONS, (VERSIONS.c.flow_id == FLOWS.c.id) & (VERSIONS.c.version == newest.c.version))
            .where(FLOWS.c.scope.in_(self._scopes(team_id)))
        )
        chosen: dict[str, Row[Any]] = {}
        for row in await self.all(stmt):
            if row.key not in chosen or row.scope != PUBLIC:
                chosen[row.key] = row
        rows = [chosen[key] for key in sorted(chosen)]
        if not include_drafts:
            rows = [row for row in rows if row.status != FlowStatus.ARCHIVED.value]
        return [self._cache.get(row) or self._cache.parse(row, row.source) for row in rows]

    async def save(self, team_id: str | None, flow: Flow, source: str, status: FlowStatus) -> int:
        """Store ``source`` as a new version of ``flow.key`` (team None = public) and return its number.

        If the newest version has the same source and status, nothing is written and its number is returned.
        The flow row is locked (PostgreSQL) while the next number is chosen, so concurrent saves don't collide.
        """
        self._cache.forget(flow.key)  # a new version may change what a team's pinned look-up finds (shadowing)
        scope = team_id or PUBLIC
        now = datetime.now(UTC)
        visibility = Visibility.PUBLIC if team_id is None else _team_visibility(flow.visibility)
        await self.run(
            self.insert_ignoring_conflicts(
                FLOWS,
                id=str(uuid.uuid4()),
                team_id=team_id,
                scope=scope,
                key=flow.key,
                visibility=visibility.value,
                created_at=now,
            )
        )
        lock = select(FLOWS).where(FLOWS.c.scope == scope, FLOWS.c.key == flow.key)
        row = await self.first(lock.with_for_update() if self.dialect == "postgresql" else lock)
        if row is None:  # pragma: no cover - inserted just above or already there
            raise LookupError(f"flow {flow.key!r} vanished while saving it")
        newest = await self.first(
            select(VERSIONS).where(VERSIONS.c.flow_id == row.id).order_by(VERSIONS.c.version.desc()).limit(1)
        )
        if newest is not None and newest.source == source and newest.status == status.value:
            return int(newest.version)
        number = newest.version + 1 if newest else 1
        await self.run(
            insert(VERSIONS).values(
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
            await self.run(update(FLOWS).where(FLOWS.c.id == row.id).values(visibility=visibility.value))
        return number

    async def versions(self, team_id: str, key: str) -> Sequence[FlowVersion]:
        """Every version of flow ``key`` as the team sees it (its own copy, else the public one), oldest first."""
        stmt = (
            select(FLOWS.c.scope, VERSIONS.c.version, VERSIONS.c.status, VERSIONS.c.created_at)
            .join_from(FLOWS, VERSIONS, VERSIONS.c.flow_id == FLOWS.c.id)
            .where(FLOWS.c.key == key, FLOWS.c.scope.in_(self._scopes(team_id)))
            .order_by(VERSIONS.c.version)
        )
        rows = await self.all(stmt)
        own = [row for row in rows if row.scope != PUBLIC]
        return [
            FlowVersion(row.version, FlowStatus(row.status), _aware(row.created_at), row.scope == PUBLIC)
            for row in own or rows
        ]

    @staticmethod
    def _scopes(team_id: str) -> tuple[str, ...]:
        return (team_id, PUBLIC) if team_id else (PUBLIC,)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _team_visibility(declared: Visibility) -> Visibility:
    """A team's flow is ``team`` (or ``personal`` if it says so), never ``public``."""
    return Visibility.PERSONAL if declared is Visibility.PERSONAL else Visibility.TEAM

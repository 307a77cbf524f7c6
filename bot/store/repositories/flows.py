"""Versioned flows. A version's YAML source is immutable, so parsed flows are cached per (flow, version)."""

from __future__ import annotations

import dataclasses
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, or_, select

from bot.flows.loader import parse_flow_text
from bot.flows.model import Flow, FlowStatus, Visibility
from bot.store.repositories.base import SqlRepository
from bot.store.tables import FlowRow, FlowVersionRow

PUBLIC = "public"
_CACHE: OrderedDict[tuple[str, int], Flow] = OrderedDict()
_CACHE_SIZE = 256


def _parsed(row: FlowRow, version: FlowVersionRow) -> Flow:
    key = (row.id, version.version)
    flow = _CACHE.get(key)
    if flow is None:
        flow = parse_flow_text(version.source, f"{row.key}@v{version.version}")
        _CACHE[key] = flow
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return dataclasses.replace(
        flow, version=version.version, status=FlowStatus(version.status), visibility=Visibility(row.visibility)
    )


class SqlFlows(SqlRepository):
    """Flows visible to a team: its own first, then public ones."""

    async def _rows(self, team_id: str | None, key: str) -> list[FlowRow]:
        scopes = [team_id, PUBLIC] if team_id else [PUBLIC]
        stmt = select(FlowRow).where(FlowRow.key == key, FlowRow.scope.in_(scopes))
        rows = list((await self._s.execute(stmt)).scalars())
        rows.sort(key=lambda r: r.scope == PUBLIC)  # team flow shadows the public one
        return rows

    async def get(self, team_id: str, key: str, version: int | None = None) -> Flow | None:
        """That version, or the latest published one, of flow ``key`` visible to the team."""
        for row in await self._rows(team_id, key):
            stmt = select(FlowVersionRow).where(FlowVersionRow.flow_id == row.id)
            if version is not None:
                stmt = stmt.where(FlowVersionRow.version == version)
            else:
                stmt = stmt.where(FlowVersionRow.status == FlowStatus.PUBLISHED.value)
            found = (await self._s.execute(stmt.order_by(FlowVersionRow.version.desc()).limit(1))).scalar_one_or_none()
            if found is not None:
                return _parsed(row, found)
        return None

    async def list(self, team_id: str, include_drafts: bool = False) -> Sequence[Flow]:
        """Latest version of each flow visible to the team."""
        scope_filter = or_(FlowRow.scope == PUBLIC, FlowRow.scope == team_id) if team_id else FlowRow.scope == PUBLIC
        latest = select(FlowVersionRow.flow_id, func.max(FlowVersionRow.version).label("v")).group_by(
            FlowVersionRow.flow_id
        )
        if not include_drafts:
            latest = latest.where(FlowVersionRow.status == FlowStatus.PUBLISHED.value)
        sub = latest.subquery()
        stmt = (
            select(FlowRow, FlowVersionRow)
            .join(sub, sub.c.flow_id == FlowRow.id)
            .join(FlowVersionRow, (FlowVersionRow.flow_id == FlowRow.id) & (FlowVersionRow.version == sub.c.v))
            .where(scope_filter)
        )
        chosen: dict[str, tuple[FlowRow, FlowVersionRow]] = {}
        for row, version in (await self._s.execute(stmt)).all():
            if row.key not in chosen or row.scope != PUBLIC:
                chosen[row.key] = (row, version)
        return [_parsed(r, v) for r, v in sorted(chosen.values(), key=lambda rv: rv[0].key)]

    async def save(self, team_id: str | None, flow: Flow, source: str, status: FlowStatus) -> int:
        """Store a new version; an identical newest version is returned instead of a copy."""
        scope = team_id or PUBLIC
        row = (
            await self._s.execute(select(FlowRow).where(FlowRow.scope == scope, FlowRow.key == flow.key))
        ).scalar_one_or_none()
        now = datetime.now(UTC)
        if row is None:
            visibility = Visibility.TEAM if team_id else Visibility.PUBLIC
            row = FlowRow(
                id=str(uuid.uuid4()),
                team_id=team_id,
                scope=scope,
                key=flow.key,
                visibility=visibility.value,
                created_at=now,
            )
            self._s.add(row)
            await self._s.flush()
        newest = (
            await self._s.execute(
                select(FlowVersionRow)
                .where(FlowVersionRow.flow_id == row.id)
                .order_by(FlowVersionRow.version.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if newest is not None and newest.source == source and newest.status == status.value:
            return newest.version
        number = (newest.version + 1) if newest else 1
        self._s.add(
            FlowVersionRow(
                flow_id=row.id,
                version=number,
                status=status.value,
                name=flow.name,
                kind=flow.kind.value,
                source=source,
                created_at=now,
            )
        )
        await self._s.flush()
        return number

"""Maintenance runs (``bot.engine.maintenance.records.MaintenanceRunRepository``) over ``maintenance_runs``;
every query is scoped by team.

``add`` is ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: a second insert for the same (schedule, fire time)
changes nothing and reports False. ``save`` is ``UPDATE … SET version = :expected + 1 WHERE id AND team_id AND
version = :expected``: on PostgreSQL a concurrent saver's ``UPDATE`` waits for the first one's transaction, then
finds the version moved and changes nothing; SQLite runs one writer at a time. Zero rows changed is a
``ConcurrentWriteError``, and the engine retries the click on the fresh run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, select, update

from bot.engine.maintenance.records import MaintenanceRun, RunStatus, TargetResult
from bot.engine.ports import ConcurrentWriteError
from bot.store.maintenance_tables import MaintenanceRunRow
from bot.store.repositories.base import SqlRepository, dialect_insert, per_dialect, table_of

RUNS = table_of(MaintenanceRunRow)
_TEAM: BindParameter[str] = bindparam("b_team")
_ID: BindParameter[str] = bindparam("b_id")
GET = select(RUNS).where(RUNS.c.team_id == _TEAM, RUNS.c.id == _ID)
BY_FIRE = (
    select(RUNS)
    .where(
        RUNS.c.team_id == _TEAM,
        RUNS.c.schedule_id == bindparam("b_schedule"),
        RUNS.c.fire_time == bindparam("b_fire"),
    )
    .limit(1)
)
RECENT = (
    select(RUNS)
    .where(RUNS.c.team_id == _TEAM)
    .order_by(RUNS.c.created_at.desc(), RUNS.c.id.desc())
    .limit(bindparam("b_limit"))
)
CHANGING = ("conversation", "status", "results", "finished_at", "outbox_id", "ticket")
SAVE = (
    update(RUNS)
    .where(RUNS.c.team_id == _TEAM, RUNS.c.id == _ID, RUNS.c.version == bindparam("b_expected"))
    .values({name: bindparam(f"v_{name}") for name in (*CHANGING, "version")})
)


@per_dialect
def insert_statement(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id`` of this dialect (a row back: it was inserted)."""
    return dialect_insert(dialect)(RUNS).on_conflict_do_nothing().returning(RUNS.c.id)


def _values(run: MaintenanceRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "team_id": run.team_id,
        "flow_key": run.flow_key,
        "flow_version": run.flow_version,
        "flow_name": run.flow_name,
        "schedule_id": run.schedule_id or None,
        "fire_time": run.fire_time,
        "created_at": run.created_at,
        "deadline": run.deadline,
        "conversation": dict(run.conversation),
        "card_ref": run.card_ref,
        "status": run.status.value,
        "results": run.results_json(),
        "version": run.version,
        "finished_at": run.finished_at,
        "outbox_id": run.outbox_id,
        "ticket": run.ticket,
        "started_by": run.started_by,
    }


def _from_row(r: Any) -> MaintenanceRun:
    return MaintenanceRun(
        id=r.id,
        team_id=r.team_id,
        flow_key=r.flow_key,
        flow_version=r.flow_version,
        flow_name=r.flow_name,
        schedule_id=r.schedule_id or "",
        fire_time=r.fire_time,
        created_at=r.created_at,
        deadline=r.deadline,
        conversation=dict(r.conversation or {}),
        card_ref=r.card_ref,
        targets=[TargetResult.from_dict(t) for t in (r.results or [])],
        status=RunStatus(r.status),
        version=r.version,
        finished_at=r.finished_at,
        outbox_id=r.outbox_id,
        ticket=r.ticket,
        started_by=r.started_by,
    )


class SqlMaintenanceRuns(SqlRepository):
    """``MaintenanceRunRepository`` in SQL."""

    async def add(self, run: MaintenanceRun) -> bool:
        """Insert the run; False when its (schedule, fire time) already has one."""
        return await self.first(insert_statement(self.dialect), _values(run)) is not None

    async def get(self, team_id: str, run_id: str) -> MaintenanceRun | None:
        """One run by id."""
        row = await self.first(GET, {"b_team": team_id, "b_id": run_id})
        return _from_row(row) if row is not None else None

    async def by_fire(self, team_id: str, schedule_id: str, fire_time: datetime) -> MaintenanceRun | None:
        """The run of one fire."""
        if not schedule_id:
            return None
        row = await self.first(BY_FIRE, {"b_team": team_id, "b_schedule": schedule_id, "b_fire": fire_time})
        return _from_row(row) if row is not None else None

    async def save(self, run: MaintenanceRun, expected_version: int) -> None:
        """The conditional write over ``expected_version`` (see the module docstring)."""
        values = _values(run)
        params = {f"v_{name}": values[name] for name in CHANGING}
        params |= {"b_team": run.team_id, "b_id": run.id, "b_expected": expected_version}
        params["v_version"] = expected_version + 1
        result = await self.run(SAVE, params)
        if result.rowcount != 1:
            raise ConcurrentWriteError(f"maintenance run {run.id} changed since it was read")
        run.version = expected_version + 1

    async def recent(self, team_id: str, limit: int = 10) -> list[MaintenanceRun]:
        """The team's newest runs."""
        rows = await self.all(RECENT, {"b_team": team_id, "b_limit": limit})
        return [_from_row(r) for r in rows]

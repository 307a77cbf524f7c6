"""Maintenance runs on SQLite and PostgreSQL: lossless round trips, team scoping, one run per (schedule, fire time),
and the conditional save — a writer holding an older version changes nothing and is told to retry."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.engine.maintenance.records import (
    MaintenanceRun,
    RunStatus,
    StepOutcome,
    StepResult,
    TargetResult,
    TargetStatus,
)
from bot.engine.ports import ConcurrentWriteError
from bot.store.database import Database
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B


def run(rid: str = "run-1", **changes: object) -> MaintenanceRun:
    """A run with every field away from its default."""
    fs01 = TargetResult(
        "FS01",
        "File server — patch first",
        TargetStatus.ISSUES,
        {
            "snap": StepResult(StepOutcome.ISSUE, "Alice", "user-a", NOW, note="datastore full"),
            "svc": StepResult(StepOutcome.OK, "Bob", "user-b", NOW + timedelta(minutes=3), value="none"),
        },
        by="Bob",
        at=NOW + timedelta(minutes=3),
        started_at=NOW,
        checklist_shown=True,
    )
    r = MaintenanceRun(
        id=rid,
        team_id=TEAM_A,
        flow_key="monthly-server-patching",
        flow_version=3,
        flow_name="Monthly server patching",
        schedule_id="sched-1",
        fire_time=NOW,
        created_at=NOW + timedelta(seconds=2),
        deadline=NOW + timedelta(hours=8),
        conversation={"platform": "slack", "channel": "C1", "thread": "1700.1", "extras": {"team": "T1"}},
        card_ref=f"run:{rid}:card",
        targets=[fs01, TargetResult("DC01")],
        status=RunStatus.RUNNING,
        version=4,
        outbox_id="out-9",
        ticket=4711,
        started_by="Alice",
    )
    return dataclasses.replace(r, **changes)  # type: ignore[arg-type]


async def test_round_trip_scoping_and_one_run_per_fire(seeded: Database) -> None:
    async with seeded.uow() as uow:
        assert await uow.maintenance_runs.add(run())
        assert not await uow.maintenance_runs.add(run("run-2"))  # the same fire again: nothing written
        assert await uow.maintenance_runs.add(run("run-3", fire_time=NOW + timedelta(days=7)))
        assert await uow.maintenance_runs.add(run("by-hand-1", schedule_id="", ticket=None))
        assert await uow.maintenance_runs.add(run("by-hand-2", schedule_id="", ticket=None))  # NULLs never clash
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.maintenance_runs.get(TEAM_A, "run-1") == run()
        assert await uow.maintenance_runs.get(TEAM_B, "run-1") is None
        assert await uow.maintenance_runs.get(TEAM_A, "run-2") is None
        found = await uow.maintenance_runs.by_fire(TEAM_A, "sched-1", NOW)
        assert found is not None and found.id == "run-1"
        assert await uow.maintenance_runs.by_fire(TEAM_B, "sched-1", NOW) is None
        assert await uow.maintenance_runs.by_fire(TEAM_A, "", NOW) is None
        by_hand = await uow.maintenance_runs.get(TEAM_A, "by-hand-1")
        assert by_hand is not None and by_hand.schedule_id == "" and by_hand.ticket is None
        recent = await uow.maintenance_runs.recent(TEAM_A, 10)
        assert {r.id for r in recent} == {"run-1", "run-3", "by-hand-1", "by-hand-2"}


async def test_save_is_conditional_on_the_version_read(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.maintenance_runs.add(run())
        await uow.commit()
    async with seeded.uow() as uow:
        gina = await uow.maintenance_runs.get(TEAM_A, "run-1")
    async with seeded.uow() as uow:
        hal = await uow.maintenance_runs.get(TEAM_A, "run-1")
    assert gina is not None and hal is not None
    hal.targets[1].status = TargetStatus.SKIPPED
    async with seeded.uow() as uow:
        await uow.maintenance_runs.save(hal, hal.version)
        await uow.commit()
    assert hal.version == 5
    gina.targets[1].status = TargetStatus.OK
    gina.status, gina.finished_at = RunStatus.COMPLETED, NOW + timedelta(hours=1)
    async with seeded.uow() as uow:
        with pytest.raises(ConcurrentWriteError):
            await uow.maintenance_runs.save(gina, 4)  # read before hal's save
        await uow.rollback()
    async with seeded.uow() as uow:
        fresh = await uow.maintenance_runs.get(TEAM_A, "run-1")
        assert fresh is not None and fresh.targets[1].status is TargetStatus.SKIPPED and fresh.version == 5
        fresh.status, fresh.finished_at = RunStatus.EXPIRED, NOW + timedelta(hours=8)
        fresh.conversation = {**fresh.conversation, "thread": "1700.2"}
        await uow.maintenance_runs.save(fresh, 5)
        await uow.commit()
    async with seeded.uow() as uow:
        stored = await uow.maintenance_runs.get(TEAM_A, "run-1")
    assert stored == fresh and stored is not None and stored.version == 6
    async with seeded.uow() as uow:
        other_team = dataclasses.replace(fresh, team_id=TEAM_B)
        with pytest.raises(ConcurrentWriteError):
            await uow.maintenance_runs.save(other_team, 6)  # another team's run is not there for it

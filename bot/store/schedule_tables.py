"""``schedules`` (the scheduler's job definitions, the source of truth) and ``schedule_runs`` (one row per fire).

``schedules`` holds what APScheduler's own ``SQLAlchemyJobStore`` would have held, in our terms: that store is
synchronous and pickles job state (callables, trigger objects) into a blob, so it can neither run on our async
engine nor be read or changed by SQL, the CLI or another replica. Here a trigger is plain text (``cron`` +
``timezone``, or ``run_at``); the leader feeds APScheduler's in-memory job store from this table
(``bot.jobs.scheduler``). ``UNIQUE (team_id, key)`` makes creating a feature's schedule idempotent; ``revision``
grows with each change, so a leader holding an older copy cannot fire it.

``UNIQUE (schedule_id, fire_time)`` in ``schedule_runs`` is what makes a fire happen once per (job, fire time): the
run row, the ``last_fire_at`` move and the inbox event are written in one transaction, so a second attempt (a
takeover, a misfire replay, a double fire) changes nothing. Registered on ``Base.metadata`` by ``bot.store``'s
package import (``tables.py`` is at its size limit).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, UniqueConstraint

from bot.store.types import UtcDateTime

SCHEDULES = "schedules"
SCHEDULE_RUNS = "schedule_runs"


def add_schedule_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Define ``schedules`` and ``schedule_runs`` on ``metadata`` (once) and return them."""
    if SCHEDULES in metadata.tables:
        return metadata.tables[SCHEDULES], metadata.tables[SCHEDULE_RUNS]
    schedules = Table(
        SCHEDULES,
        metadata,
        Column("id", String(36), primary_key=True),
        Column("team_id", String(36), ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("key", String(200), nullable=False),
        Column("cron", String(200), nullable=False),
        Column("timezone", String(64), nullable=False),
        Column("run_at", UtcDateTime(), nullable=True),
        Column("payload", JSON, nullable=False),
        Column("conversation", JSON, nullable=False),
        Column("paused", Boolean, nullable=False),
        Column("revision", Integer, nullable=False),
        Column("active_from", UtcDateTime(), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("next_fire_at", UtcDateTime(), nullable=True),
        Column("last_fire_at", UtcDateTime(), nullable=True),
        UniqueConstraint("team_id", "key"),
        Index("ix_schedules_next_fire", "paused", "next_fire_at"),
    )
    runs = Table(
        SCHEDULE_RUNS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("schedule_id", String(36), ForeignKey(f"{SCHEDULES}.id", ondelete="CASCADE"), nullable=False),
        Column("team_id", String(36), ForeignKey("teams.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("fire_time", UtcDateTime(), nullable=False),
        Column("fired_at", UtcDateTime(), nullable=False),
        Column("fired_by", String(200), nullable=False),
        Column("inbox_id", Integer, nullable=True),
        UniqueConstraint("schedule_id", "fire_time"),
    )
    return schedules, runs

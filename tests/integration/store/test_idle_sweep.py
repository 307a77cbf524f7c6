"""The idle sweep's queries on SQLite and PostgreSQL (team-scoped, oldest first, bounded; a note is activity, a
nudge is not; one nudge per pause), their indexes, and removing settings keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, inspect

from bot.engine.model import SessionStatus, TimelineEntry, TimelineKind
from bot.store.database import Database
from tests.integration.store.builders import ALICE, BOB, NOW, TEAM_A, TEAM_B, session

CUT = NOW + timedelta(days=1)
PAUSED, ACTIVE = SessionStatus.PAUSED, SessionStatus.ACTIVE


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


async def add(db: Database, sid: str, status: SessionStatus, hours: float, team: str = TEAM_A) -> None:
    engineer = ALICE if team == TEAM_A else BOB
    async with db.uow() as uow:
        s = session(sid, team, engineer, status=status, updated_at=at(hours), conversation_key=f"slack:C:{sid}")
        await uow.sessions.add(s)
        await uow.commit()


async def mark(db: Database, sid: str, kind: TimelineKind, hours: float, team: str = TEAM_A) -> None:
    async with db.uow() as uow:
        entry = TimelineEntry(f"{sid}-{kind}-{hours}", team, sid, at(hours), kind, "bot", "ResolutionFlow")
        await uow.sessions.append_timeline(entry)
        await uow.commit()


async def test_inactive_sessions_are_open_old_in_the_team_and_untouched(seeded: Database) -> None:
    await add(seeded, "old-paused", PAUSED, 2)
    await add(seeded, "old-active", ACTIVE, 1)
    await add(seeded, "old-closed", SessionStatus.ABANDONED, 1)
    await add(seeded, "fresh", ACTIVE, 30)
    await add(seeded, "noted", ACTIVE, 3)
    await mark(seeded, "noted", TimelineKind.NOTE, 26)  # someone typed in its thread after the cut-off
    await add(seeded, "nudged", PAUSED, 4)
    await mark(seeded, "nudged", TimelineKind.NUDGED, 26)  # the bot's own entry is not activity
    await add(seeded, "other-team", ACTIVE, 1, TEAM_B)
    async with seeded.uow() as uow:
        found = await uow.idle.inactive(TEAM_A, CUT, 10)
        assert [s.id for s in found] == ["s-1", "old-active", "old-paused", "nudged"]
        assert [s.id for s in await uow.idle.inactive(TEAM_A, CUT, 2)] == ["s-1", "old-active"]
        assert [s.id for s in await uow.idle.inactive(TEAM_B, CUT, 10)] == ["other-team"]


async def test_paused_sessions_are_nudged_once_per_pause(seeded: Database) -> None:
    await add(seeded, "p", PAUSED, 5)
    await mark(seeded, "p", TimelineKind.PAUSED, 1)
    await mark(seeded, "p", TimelineKind.PAUSED, 3)  # paused again: the latest pause counts
    await add(seeded, "legacy", PAUSED, 2)  # paused with no pause entry
    await add(seeded, "active", ACTIVE, 1)
    async with seeded.uow() as uow:
        found = await uow.idle.paused_unnudged(TEAM_A, CUT, 10)
        assert [(p.session.id, p.paused_at) for p in found] == [("legacy", None), ("p", at(3))]
        assert len(await uow.idle.paused_unnudged(TEAM_A, CUT, 1)) == 1
    await mark(seeded, "p", TimelineKind.NUDGED, 27)
    await mark(seeded, "legacy", TimelineKind.NUDGED, 27)
    async with seeded.uow() as uow:
        assert await uow.idle.paused_unnudged(TEAM_A, CUT + timedelta(days=1), 10) == []
    await mark(seeded, "p", TimelineKind.RESUMED, 28)
    await mark(seeded, "p", TimelineKind.PAUSED, 29)  # a new pause: a new nudge is due
    async with seeded.uow() as uow:
        found = await uow.idle.paused_unnudged(TEAM_A, CUT + timedelta(days=1), 10)
        assert [(p.session.id, p.paused_at) for p in found] == [("p", at(29))]


async def test_the_sweep_indexes_exist(seeded: Database) -> None:
    def indexes(conn: Connection) -> dict[str, list[list[str | None]]]:
        insp = inspect(conn)
        return {t: [i["column_names"] for i in insp.get_indexes(t)] for t in ("sessions", "session_timeline")}

    async with seeded.engine.connect() as conn:
        found = await conn.run_sync(indexes)
    assert ["team_id", "status", "updated_at"] in found["sessions"]
    assert ["session_id", "kind", "seq"] in found["session_timeline"]


async def test_settings_keys_can_be_removed(seeded: Database) -> None:
    async with seeded.uow() as uow:
        await uow.settings.remove(TEAM_A, ["timezone"])  # no row yet: nothing to do
        await uow.settings.put(TEAM_A, {"timezone": "Europe/London", "idle_abandon_days": 3})
        await uow.settings.remove(TEAM_A, ["timezone", "unknown"])
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.settings.get(TEAM_A) == {"idle_abandon_days": 3}
        assert await uow.settings.get(TEAM_B) == {}

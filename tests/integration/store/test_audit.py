"""The audit log on SQLite and PostgreSQL: appended entries come back newest first, filtered by action prefix and
paged by time, scoped by team; rotating the keys writes one entry per team in the rotation's transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.engine.audit import AuditAction, entry
from bot.engine.psa import PsaCredentials
from bot.store.audit_tables import AuditRow
from bot.store.database import Database
from bot.store.psa_connections import SqlPsaConnections
from bot.store.secrets import SecretBox, generate_key
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B


async def test_entries_round_trip_newest_first_by_team(seeded: Database) -> None:
    async with seeded.uow() as uow:
        for minutes, action in enumerate(
            (AuditAction.PSA_CONNECTED, AuditAction.NOTE_POSTED, AuditAction.ROLE_CHANGED)
        ):
            at = NOW + timedelta(minutes=minutes)
            await uow.audit.add(entry(TEAM_A, at, "u1", "Alice", action, "ticket #1", what="x", n=minutes))
        await uow.audit.add(entry(TEAM_B, NOW, "u9", "Mallory", AuditAction.PSA_CONNECTED))
        await uow.commit()
    async with seeded.uow() as uow:
        found = await uow.audit.recent(TEAM_A)
        assert [e.action for e in found] == ["user.role_changed", "psa.note_posted", "psa.connected"]
        assert found[0].detail == {"what": "x", "n": 2} and found[0].at == NOW + timedelta(minutes=2) and found[0].id
        assert [e.action for e in await uow.audit.recent(TEAM_A, action="psa")] == ["psa.note_posted", "psa.connected"]
        assert len(await uow.audit.recent(TEAM_A, limit=1)) == 1
        older = await uow.audit.recent(TEAM_A, before=NOW + timedelta(minutes=1))
        assert [e.action for e in older] == ["psa.connected"]
        assert [e.actor_name for e in await uow.audit.recent(TEAM_B)] == ["Mallory"]
        assert await uow.audit.recent(TEAM_A, action="psa_%") == []  # a LIKE wildcard is taken literally


async def test_key_rotation_is_in_every_teams_audit_log(seeded: Database) -> None:
    old, new = generate_key(), generate_key()
    creds = PsaCredentials("connectwise", "https://cw.example.com", "acme", "pub", "priv", "cid")
    await SqlPsaConnections(seeded.engine, SecretBox([old])).put(TEAM_A, creds, NOW)
    await SqlPsaConnections(seeded.engine, SecretBox([new, old])).rotate()
    async with seeded.engine.connect() as conn:
        rows = (await conn.execute(select(AuditRow.team_id, AuditRow.action, AuditRow.detail))).all()
    assert sorted(r.team_id for r in rows) == sorted([TEAM_A, TEAM_B])
    assert {r.action for r in rows} == {"keys.rotated"} and all(r.detail == {"count": 2} for r in rows)

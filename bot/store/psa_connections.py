"""Each team's PSA connection, keys encrypted at rest, and key rotation for every stored secret.

Each call is its own short transaction (like ``message_refs``): the connection is read by the composition root's
PSA directory and written by ``rfbot psa connect`` / the admin modal, never inside the engine's unit of work.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.engine.audit import AuditAction, entry
from bot.engine.psa import PsaCredentials
from bot.store.repositories.audit import SqlAudit
from bot.store.secrets import SecretBox
from bot.store.slack_tables import SECRET_COLUMNS
from bot.store.tables import SLACK_BOTS, SLACK_INSTALLATIONS, PsaConnectionRow, TeamRow


class SqlPsaConnections:
    """Read and write ``psa_connections``; ``public_key`` and ``private_key`` never reach the table in clear."""

    def __init__(self, engine: AsyncEngine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    async def get(self, team_id: str) -> tuple[PsaCredentials, datetime] | None:
        """The team's credentials (decrypted) and when they were last changed."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(PsaConnectionRow).where(PsaConnectionRow.team_id == team_id))).first()
        if row is None:
            return None
        credentials = PsaCredentials(
            provider=row.provider,
            site_url=row.site_url,
            company_id=row.company_id,
            public_key=self._box.decrypt(row.public_key),
            private_key=self._box.decrypt(row.private_key),
            client_id=row.client_id,
            extra={str(k): str(v) for k, v in dict(row.extra or {}).items()},
        )
        return credentials, row.updated_at

    async def put(self, team_id: str, credentials: PsaCredentials, at: datetime) -> None:
        """Store (or replace) the team's connection."""
        values = {
            "provider": credentials.provider,
            "site_url": credentials.site_url,
            "company_id": credentials.company_id,
            "public_key": self._box.encrypt(credentials.public_key),
            "private_key": self._box.encrypt(credentials.private_key),
            "client_id": credentials.client_id,
            "extra": dict(credentials.extra),
            "updated_at": at,
        }
        async with self._engine.begin() as conn:
            builder = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            stmt = builder(PsaConnectionRow).values(team_id=team_id, **values)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["team_id"], set_=values))

    async def delete(self, team_id: str) -> bool:
        """Forget the team's connection; False if it had none."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(PsaConnectionRow).where(PsaConnectionRow.team_id == team_id))
        return bool(result.rowcount)

    async def rotate(self) -> int:
        """Re-encrypt every stored secret (PSA keys and Slack installation tokens) under the first key; returns how
        many values were rewritten. One transaction: either every value moves or none does."""
        count = 0
        async with self._engine.begin() as conn:
            rows = (await conn.execute(select(PsaConnectionRow))).all()
            for row in rows:
                await conn.execute(
                    update(PsaConnectionRow)
                    .where(PsaConnectionRow.team_id == row.team_id)
                    .values(public_key=self._box.rotate(row.public_key), private_key=self._box.rotate(row.private_key))
                )
                count += 2
            for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
                columns = SECRET_COLUMNS[table.name]
                for found in (await conn.execute(select(table.c.id, *(table.c[c] for c in columns)))).mappings():
                    values = {c: self._box.rotate(found[c]) for c in columns if found[c]}
                    if values:
                        await conn.execute(update(table).where(table.c.id == found["id"]).values(**values))
                        count += len(values)
            await _audit_rotation(conn, count)
        return count


async def _audit_rotation(conn: AsyncConnection, count: int) -> None:
    """Every team's audit log records the rotation (the keys are the instance's, the secrets are the teams'), in
    the rotation's own transaction."""
    audit, now = SqlAudit(conn), datetime.now(UTC)
    for (team_id,) in (await conn.execute(select(TeamRow.id))).all():
        await audit.add(
            entry(team_id, now, "rfbot", "rfbot keys rotate", AuditAction.KEYS_ROTATED, "stored secrets", count=count)
        )

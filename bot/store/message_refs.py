"""``MessageRefs`` over the ``chat_messages`` table, for the platform senders (outside the engine's transaction).

Each call is one statement on a pooled connection in autocommit mode: a single statement is atomic on its own,
so no ``BEGIN``/``COMMIT`` round trips are spent on it. The statements are built once (per dialect for the upsert).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from bot.engine.ports import MessageLocation
from bot.store.repositories.base import dialect_insert, per_dialect, table_of
from bot.store.tables import ChatMessageRow

MESSAGES = table_of(ChatMessageRow)
GET = select(MESSAGES.c.channel, MESSAGES.c.message_id, MESSAGES.c.thread).where(
    MESSAGES.c.team_id == bindparam("b_team"),
    MESSAGES.c.platform == bindparam("b_platform"),
    MESSAGES.c.ref == bindparam("b_ref"),
)
_CHANGING = ("channel", "message_id", "thread", "updated_at")


@per_dialect
def put_statement(dialect: str) -> Insert:
    """``INSERT … ON CONFLICT (team_id, platform, ref) DO UPDATE`` of this dialect, fed with every column."""
    stmt = dialect_insert(dialect)(MESSAGES)
    replaced = {name: getattr(stmt.excluded, name) for name in _CHANGING}
    upsert: Insert = stmt.on_conflict_do_update(index_elements=["team_id", "platform", "ref"], set_=replaced)
    return upsert


def _engine_of(source: AsyncEngine | async_sessionmaker[AsyncSession]) -> AsyncEngine:
    if isinstance(source, AsyncEngine):
        return source
    bind = source.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("SqlMessageRefs needs an AsyncEngine, or a sessionmaker bound to one")
    return bind


class SqlMessageRefs:
    """Each call is its own one-statement (autocommit) transaction."""

    def __init__(self, source: AsyncEngine | async_sessionmaker[AsyncSession]) -> None:
        self._engine = _engine_of(source).execution_options(isolation_level="AUTOCOMMIT")

    async def get(self, team_id: str, platform: str, ref: str) -> MessageLocation | None:
        """Where the message named ``ref`` was posted."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(GET, {"b_team": team_id, "b_platform": platform, "b_ref": ref})).first()
        return MessageLocation(row.channel, row.message_id, row.thread) if row else None

    async def put(self, team_id: str, platform: str, ref: str, location: MessageLocation) -> None:
        """Insert or replace the location of ``ref``."""
        values = {
            "team_id": team_id,
            "platform": platform,
            "ref": ref,
            "channel": location.channel,
            "message_id": location.message_id,
            "thread": location.thread,
            "updated_at": datetime.now(UTC),
        }
        async with self._engine.connect() as conn:
            await conn.execute(put_statement(conn.dialect.name), values)

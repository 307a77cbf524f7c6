"""``MessageRefs`` over the ``chat_messages`` table, for the platform senders (outside the engine's transaction).

Each call is one statement on a pooled connection in autocommit mode: a single statement is atomic on its own,
so no ``BEGIN``/``COMMIT`` round trips are spent on it. The statements are built once (per dialect for the upsert).

Locations are also kept in a bounded in-memory map, written through on ``put`` (after the row is stored) and
filled on ``get``: a step's message is posted and later updated by the same process, so the lookup before an
update costs no statement. The table stays the source of truth (a restarted process reads it again); a location
only changes when a message is posted anew, and ``forget`` drops a location that turned out to be stale (another
process re-posted the message) so the next ``get`` reads the row.

A location the table could not take (the database restarting just after the message was posted) is kept in memory
and written on the next call that reaches the database, so the message is still updated in place meanwhile instead
of being posted again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from bot.engine.message_refs import MessageLocation
from bot.store.repositories.base import dialect_insert, per_dialect, table_of
from bot.store.tables import ChatMessageRow

log = logging.getLogger(__name__)
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
    """Each call that reaches the table is its own one-statement (autocommit) transaction; the ``cache_size``
    most recently used locations are answered from memory."""

    def __init__(self, source: AsyncEngine | async_sessionmaker[AsyncSession], cache_size: int = 20_000) -> None:
        self._engine = _engine_of(source).execution_options(isolation_level="AUTOCOMMIT")
        self._cache: OrderedDict[tuple[str, str, str], MessageLocation] = OrderedDict()
        self._cache_size = cache_size
        self._unsaved: dict[tuple[str, str, str], dict[str, Any]] = {}  # locations the table could not take yet

    def _remember(self, key: tuple[str, str, str], location: MessageLocation) -> None:
        self._cache[key] = location
        self._cache.move_to_end(key)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def get(self, team_id: str, platform: str, ref: str) -> MessageLocation | None:
        """Where the message named ``ref`` was posted."""
        key = (team_id, platform, ref)
        location = self._cache.get(key)
        if location is not None:
            self._cache.move_to_end(key)
            return location
        await self._flush()
        async with self._engine.connect() as conn:
            row = (await conn.execute(GET, {"b_team": team_id, "b_platform": platform, "b_ref": ref})).first()
        if row is None:
            return None
        location = MessageLocation(row.channel, row.message_id, row.thread)
        self._remember(key, location)
        return location

    def forget(self, team_id: str, platform: str, ref: str) -> None:
        """Drop the remembered location of ``ref`` (it proved stale): the next ``get`` reads the table."""
        self._cache.pop((team_id, platform, ref), None)

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
        key = (team_id, platform, ref)
        self._remember(key, location)
        self._unsaved[key] = values
        await self._flush()

    @property
    def unsaved(self) -> int:
        """How many locations wait for the database."""
        return len(self._unsaved)

    async def _flush(self) -> None:
        """Write the locations the table has not taken yet; a failure keeps them for the next call (logged)."""
        if not self._unsaved:
            return
        try:
            async with self._engine.connect() as conn:
                for key, values in list(self._unsaved.items()):
                    await conn.execute(put_statement(conn.dialect.name), values)
                    if self._unsaved.get(key) is values:  # not replaced by a newer location meanwhile
                        del self._unsaved[key]
        except (SQLAlchemyError, OSError) as err:
            log.warning(
                "%d message location(s) not stored yet (%s); kept in memory, written once the database answers",
                len(self._unsaved),
                type(err).__name__,
            )

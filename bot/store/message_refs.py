"""``MessageRefs`` over the ``chat_messages`` table, for the platform senders (outside the engine's transaction)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine.ports import MessageLocation
from bot.store.tables import ChatMessageRow


class SqlMessageRefs:
    """Each call is its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def get(self, team_id: str, platform: str, ref: str) -> MessageLocation | None:
        """Where the message named ``ref`` was posted."""
        async with self._sessionmaker() as session:
            row = (
                await session.execute(
                    select(ChatMessageRow).where(
                        ChatMessageRow.team_id == team_id,
                        ChatMessageRow.platform == platform,
                        ChatMessageRow.ref == ref,
                    )
                )
            ).scalar_one_or_none()
            return MessageLocation(row.channel, row.message_id, row.thread) if row else None

    async def put(self, team_id: str, platform: str, ref: str, location: MessageLocation) -> None:
        """Insert or replace the location of ``ref``."""
        async with self._sessionmaker() as session:
            dialect = session.get_bind().dialect.name
            builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
            values = {
                "channel": location.channel,
                "message_id": location.message_id,
                "thread": location.thread,
                "updated_at": datetime.now(UTC),
            }
            stmt = builder(ChatMessageRow).values(team_id=team_id, platform=platform, ref=ref, **values)
            stmt = stmt.on_conflict_do_update(index_elements=["team_id", "platform", "ref"], set_=values)
            await session.execute(stmt)
            await session.commit()

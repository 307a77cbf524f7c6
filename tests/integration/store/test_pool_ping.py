"""PostgreSQL pools ping a connection only after it sat idle: a dropped idle connection is replaced unseen."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.db import make_engine

pytestmark = pytest.mark.postgres


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def terminate(admin_url: str, pid: int) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    await asyncio.sleep(0.2)  # let the backend exit


async def test_an_idle_connection_the_server_dropped_is_replaced_before_use(pg_admin_url: str) -> None:
    engine = make_engine(pg_admin_url, pool_size=1, ping_after_idle_s=0.1)
    try:
        first = await backend_pid(engine)
        await terminate(pg_admin_url, first)
        assert await backend_pid(engine) != first  # pinged on checkout, found dead, replaced: no error
    finally:
        await engine.dispose()


async def test_a_connection_used_moments_ago_is_not_pinged(pg_admin_url: str) -> None:
    """The trade: no ping within the idle window, so a connection that died in it fails once; SQLAlchemy then
    replaces it (and everything pooled before it) for the next unit of work."""
    engine = make_engine(pg_admin_url, pool_size=1, ping_after_idle_s=60)
    try:
        first = await backend_pid(engine)
        await terminate(pg_admin_url, first)
        with pytest.raises(DBAPIError) as failed:
            await backend_pid(engine)
        assert failed.value.connection_invalidated
        assert await backend_pid(engine) != first
    finally:
        await engine.dispose()


async def test_pool_pre_ping_still_pings_every_checkout(pg_admin_url: str) -> None:
    engine = make_engine(pg_admin_url, pool_size=1, pool_pre_ping=True)
    try:
        first = await backend_pid(engine)
        await terminate(pg_admin_url, first)
        assert await backend_pid(engine) != first
    finally:
        await engine.dispose()

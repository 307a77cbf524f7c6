"""Alembic environment: our tables' metadata, the async engine via ``run_sync``, batch mode on SQLite.

The URL comes from ``bot.store.migrate`` (``config.attributes["database_url"]``), else ``sqlalchemy.url`` in an
``alembic.ini``, else ``$DATABASE_URL``, else ``sqlite:///./var/rfbot.db``. Only ``bot.store`` is imported.
The retrieval index's full-text objects are dialect-specific DDL outside the metadata; ``include_name`` keeps them
out of comparisons.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from bot.store import (  # noqa: F401  (each registers its tables on Base.metadata)
    audit_tables,  # audit_log
    escalation_tables,  # escalations
    flywheel_tables,  # flow_proposal_details, flywheel_runs
    idle_sweep_indexes,  # ix_sessions_idle, ix_session_timeline_kind
    inbox_tables,  # inbox_lanes, inbox.lane/claimed_by/lease_until
    maintenance_tables,  # maintenance_runs
    share_tables,  # share_links, share_views
    step_library_tables,  # library_steps, step_ratings
)
from bot.store.db import make_engine, to_sync_url
from bot.store.search_tables import include_name
from bot.store.tables import Base
from bot.store.types import UtcDateTime

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    """Where to migrate."""
    return str(
        config.attributes.get("database_url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or "sqlite:///./var/rfbot.db"
    )


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | bool:
    """Autogenerate writes our ``UtcDateTime`` as ``sa.DateTime(timezone=True)``: migrations import no app code."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(connection: Connection) -> None:
    """Run the migrations on one connection, in one transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        include_name=include_name,  # full-text objects are raw DDL outside the metadata
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    """Connect with the async engine and migrate through ``run_sync``."""
    engine = make_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(configure)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=to_sync_url(database_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=database_url().startswith("sqlite"),
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_online())

"""The SQL adapter: tables, repositories implementing ``bot.engine.ports``, the unit of work, and migrations.

Entry points: ``bot.store.database.Database`` (engine + units of work) and ``bot.store.migrate`` (Alembic).
Importing the package registers every table module on ``Base.metadata`` (``tables.py`` defines the core tables and
calls the Slack and search builders; the scheduler's tables are added here), so any import of ``bot.store.*`` sees
the whole schema.
"""

from bot.store import (
    flywheel_tables,  # noqa: F401  (registers ``flow_proposal_details``, ``flywheel_runs``)
    idle_sweep_indexes,  # noqa: F401  (registers ``ix_sessions_idle``, ``ix_session_timeline_kind``)
    inbox_tables,  # noqa: F401  (registers ``inbox_lanes`` and the inbox's claim columns)
    maintenance_tables,  # noqa: F401  (registers ``maintenance_runs``)
    share_tables,  # noqa: F401  (registers ``share_links``, ``share_views``)
    step_library_tables,  # noqa: F401  (registers ``library_steps``, ``step_ratings``)
)
from bot.store.schedule_tables import add_schedule_tables
from bot.store.tables import Base

add_schedule_tables(Base.metadata)

"""The SQL adapter: tables, repositories implementing ``bot.engine.ports``, the unit of work, and migrations.

Entry points: ``bot.store.database.Database`` (engine + units of work) and ``bot.store.migrate`` (Alembic).
"""

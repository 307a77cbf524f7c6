"""Store test fixtures: ``seeded`` is ``database`` (from ``tests/conftest.py``) with ``builders.seed`` applied."""

from __future__ import annotations

import pytest

from bot.store.database import Database
from tests.integration.store.builders import seed


@pytest.fixture
async def seeded(database: Database) -> Database:
    """A migrated database of each kind holding two teams, two users and one session (see ``builders.seed``)."""
    await seed(database)
    return database

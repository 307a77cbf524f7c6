"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.slack_transcript import Slack, slack_session


@pytest.fixture
async def slack(migrated_url: str) -> AsyncIterator[Slack]:
    """The served bot, its fake Slack Web API and a driver, on each kind of database."""
    async with slack_session(migrated_url) as session:
        yield session

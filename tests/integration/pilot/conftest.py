"""``ClaudeCopilot`` with the real Anthropic SDK against the loopback fake of the Messages API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import pytest

from bot.pilot.claude import ClaudeCopilot
from tests.fakes.anthropic_api import FakeAnthropic
from tests.integration.pilot.support import DEEP, FAST, KEY, Observed


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    """The fake Messages API, accepting only ``KEY``."""
    async with FakeAnthropic(api_key=KEY) as server:
        yield server


@pytest.fixture
def observed() -> Observed:
    """Records the copilot's ``observe`` calls."""
    return Observed()


@pytest.fixture
async def copilot(fake: FakeAnthropic, observed: Observed) -> AsyncIterator[ClaudeCopilot]:
    """A ``ClaudeCopilot`` on an SDK client pointed at the fake (SDK retries on, 10 s timeout)."""
    client = anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url, max_retries=2, timeout=10)
    pilot = ClaudeCopilot(client, FAST, DEEP, observe=observed)
    yield pilot
    await pilot.aclose()

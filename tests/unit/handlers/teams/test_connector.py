"""Outbound connector calls against the loopback Bot Connector: which failures are retried and after how long, what
is given up with Teams' error code, and a client whose token is refused is rebuilt (msal token from the Entra fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microsoft_agents.activity import Activity
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentAuthConfiguration

from bot.handlers.teams.connector import MAX_ATTEMPTS, ConnectorError, Connectors
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import APP_ID, APP_SECRET, TENANT_ID, FakeEntra
from tests.fakes.teams_roster import TEAM_ID

THREAD = f"{TEAM_ID};messageid=1700000000500"


def connectors(waits: list[float], *, anonymous: bool) -> Connectors:
    config = AgentAuthConfiguration(
        client_id=APP_ID, tenant_id=TENANT_ID, client_secret=APP_SECRET, anonymous_allowed=anonymous
    )
    manager = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return Connectors(manager, APP_ID, anonymous=anonymous, sleep=sleep)


async def post(pool: Connectors, connector: FakeBotConnector) -> str:
    activity = Activity.model_validate({"type": "message", "text": "hi", "conversation": {"id": THREAD}})
    sent = await pool.call(
        connector.service_url, "send", lambda c: c.conversations.send_to_conversation(THREAD, activity)
    )
    return str(sent.id)


@pytest.fixture
async def anonymous() -> AsyncIterator[tuple[FakeBotConnector, Connectors, list[float]]]:
    waits: list[float] = []
    pool = connectors(waits, anonymous=True)
    async with FakeBotConnector() as connector:
        yield connector, pool, waits
    await pool.close()


@pytest.mark.parametrize(
    ("status", "retry_after", "expected_waits"),
    [(429, 3, [3.0]), (429, None, [0.5]), (412, None, [0.5]), (502, None, [0.5]), (504, None, [0.5])],
)
async def test_transient_failures_are_retried(
    anonymous: tuple[FakeBotConnector, Connectors, list[float]],
    status: int,
    retry_after: float | None,
    expected_waits: list[float],
) -> None:
    connector, pool, waits = anonymous
    if retry_after is not None:
        connector.throttle(times=1, retry_after=retry_after)
    else:
        connector.fail(status, times=1)
    assert await post(pool, connector)
    assert [c.status for c in connector.calls_for("send")] == [status, 201] and waits == expected_waits


async def test_retries_back_off_and_then_give_up_with_the_error_code(
    anonymous: tuple[FakeBotConnector, Connectors, list[float]],
) -> None:
    connector, pool, waits = anonymous
    connector.fail(503, times=10, code="ServiceUnavailable")
    with pytest.raises(ConnectorError) as failed:
        await post(pool, connector)
    assert (failed.value.status, failed.value.code) == (503, "ServiceUnavailable")
    assert len(connector.calls_for("send")) == MAX_ATTEMPTS and waits == [0.5, 1.0, 2.0]


async def test_other_failures_are_not_retried(anonymous: tuple[FakeBotConnector, Connectors, list[float]]) -> None:
    connector, pool, waits = anonymous
    connector.remove_bot(TEAM_ID)
    with pytest.raises(ConnectorError) as failed:
        await post(pool, connector)
    assert (failed.value.status, failed.value.code) == (403, "BotNotInConversationRoster") and waits == []


async def test_a_refused_token_gets_a_new_client(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    async with FakeEntra() as entra, FakeBotConnector(entra) as connector:
        entra.patch_sdk(monkeypatch)
        pool = connectors(waits, anonymous=False)
        try:
            first = await pool.client(connector.service_url)
            connector.fail(401, times=1, code="Unauthorized")
            assert await post(pool, connector)
            assert [c.status for c in connector.calls_for("send")] == [401, 201] and waits == []
            assert await pool.client(connector.service_url) is not first
            assert all(entra.accepts(c.authorization) for c in connector.calls_for("send"))
        finally:
            await pool.close()

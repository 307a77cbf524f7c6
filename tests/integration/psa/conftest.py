"""The real ConnectWise client over real HTTP against the loopback fake (``tests/fakes/connectwise_api.py``).

* ``cw`` -- a started fake with ticket #4242 and members Pat (primary e-mail), Sam (office e-mail only) and an
  inactive one, besides the API member the keys belong to.
* ``sleeps`` -- a ``sleep`` that records the delays instead of waiting (``then`` runs after each, e.g. ending an
  outage), so retry tests never wait on the clock.
* ``client`` -- a ``ConnectWiseClient`` on the fake's credentials using ``sleeps``; ``connect`` builds others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.psa.connectwise.client import ConnectWiseClient
from tests.fakes.connectwise_api import FakeConnectWise

TICKET = 4242


@dataclass
class Sleeps:
    """Records each requested delay and returns at once."""

    delays: list[float] = field(default_factory=list)
    then: Callable[[], Awaitable[None]] | None = None

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.then is not None:
            await self.then()


def connect(cw: FakeConnectWise, sleeps: Sleeps, **options: Any) -> ConnectWiseClient:
    """A client on the fake's good credentials (``timeout`` 5 s unless given)."""
    return ConnectWiseClient(cw.credentials(), sleep=sleeps, **{"timeout": 5.0, **options})


@pytest.fixture
async def cw() -> AsyncIterator[FakeConnectWise]:
    async with FakeConnectWise() as fake:
        fake.add_ticket(TICKET, "VPN drops every hour")
        fake.add_member(201, "pquinn", "Pat", "Quinn", email="pat.quinn@acme.example")
        fake.add_member(202, "slee", "Sam", "Lee", office="sam.lee@acme.example")
        fake.add_member(203, "oldtimer", "Old", "Timer", email="old@acme.example", inactive=True)
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def client(cw: FakeConnectWise, sleeps: Sleeps) -> AsyncIterator[ConnectWiseClient]:
    async with connect(cw, sleeps) as psa:
        yield psa

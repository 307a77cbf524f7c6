"""Everything the soak's engineers share: the fakes, the ledger, the clock bound and the ConnectWise tickets."""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field

from bench.bench_slack import FLOW
from bench.soak_fakes import SoakConnector, SoakSlackApi
from bench.soak_ledger import Ledger
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.connectwise_api import FakeConnectWise

FIRST_TICKET = 20_000


@dataclass
class World:
    """The soak's shared state. ``until`` is when engineers stop starting new work (``time.monotonic``);
    ``wait_s`` bounds any single wait for the bot (a stuck run is then recorded as stalled, not waited on
    forever)."""

    slack: SoakSlackApi
    teams: SoakConnector
    cw: FakeConnectWise
    model: FakeAnthropic
    ledger: Ledger
    until: float
    wait_s: float = 120.0
    rng: random.Random = field(default_factory=lambda: random.Random(9))
    flow_key: str = FLOW.key
    _tickets: itertools.count[int] = field(default_factory=lambda: itertools.count(FIRST_TICKET))

    @property
    def running(self) -> bool:
        """Engineers may start more work."""
        return time.monotonic() < self.until

    def new_ticket(self) -> int:
        """A fresh ConnectWise ticket for one session (every session resolves its own ticket)."""
        number = next(self._tickets)
        self.cw.add_ticket(number, f"Soak ticket {number}")
        return number

"""One scheduler process, built as ``rfbot serve`` builds it (``bot.app.scheduling.build_scheduler``), for the takeover
test: ``python -m tests.integration.jobs.scheduler_runner DATABASE_URL NAME LEADER_POLL``.

Prints ``READY <unix time>`` once running, then ``LEADER <unix time>`` / ``FOLLOWER <unix time>`` whenever its role
changes, and runs until it is killed.
"""

from __future__ import annotations

import asyncio
import sys
import time

from bot.app.scheduling import build_scheduler
from bot.config import Settings
from bot.engine.system import SystemClock
from bot.store.database import Database


async def main(url: str, name: str, poll: float) -> None:
    """Run a scheduler over ``url`` and report its role."""
    settings = Settings(_env_file=None, database_url=url, scheduler_leader_poll=poll, scheduler_reload=poll)  # type: ignore[call-arg]
    database = Database(url, pool_size=2)
    scheduler = build_scheduler(settings, database, SystemClock(), lambda: None, name=name)
    scheduler.start()
    print("READY", time.time(), flush=True)
    leading = False
    while True:
        if scheduler.leading != leading:
            leading = scheduler.leading
            print("LEADER" if leading else "FOLLOWER", time.time(), flush=True)
        await asyncio.sleep(0.01)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))

"""The fault drills, run one after the other while the traffic flows, and how fast each was recovered from.

| drill | fault |
|---|---|
| ``kill`` | ``kill -9`` of a random replica mid-run (its lanes, leases and any push in hand are left behind), and a
  replacement started at once; probes (``bench.soak_probes``) keep arriving for 3 s |
| ``pg-restart`` | the soak's private PostgreSQL stopped (``pg_ctl stop -m fast``: every connection dropped), kept
  down for the fault's length, started again; probes keep arriving while it is down |
| ``cw-outage`` | ConnectWise answers 503 for the first half of the fault, then refuses connections (and drops the
  open ones) for the second half |
| ``anthropic`` | the Messages API answers 429 (``rate_limit_error``) for the first third, 529 (``overloaded_error``)
  for the second, and answers nothing before the client's timeout for the last third |
| ``slack-429`` | every Slack message write (``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``) is
  answered 429 with ``Retry-After: 1`` for the fault's length |

**Time to recover**, from the fault's end: to the first success of the kind the fault stopped (a step posted, a
note on a ticket, a model answer), and to the backlog drained (every inbox row and outbox item that was open when
the fault ended, and was written since 5 s before it started, is done). ``kill`` ends at the kill: its recovery is
the lane takeover (the lease) and the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

from bench.soak_infra import PrivatePostgres, Replicas
from bench.soak_ledger import Phase
from bench.soak_probes import Prober
from bench.soak_world import World
from tests.fakes.anthropic_api import MESSAGES
from tests.fakes.anthropic_wire import error_body
from tests.fakes.http_fake import RecordedCall

DRILLS = ("kill", "pg-restart", "cw-outage", "anthropic", "slack-429")
BACKLOG_MARGIN = timedelta(seconds=5)  # a drill's backlog: what is open at its end and was written since its start
SUCCESS_OF = {"cw-outage": ("note",), "anthropic": ("model",)}  # others: any success (a step, a note, an answer)


def parse_drills(text: str) -> list[str]:
    """``kill,cw-outage`` / ``all`` / ``none`` -> drill names (``ValueError`` naming an unknown one)."""
    text = text.strip().lower()
    if text in ("", "none"):
        return []
    if text == "all":
        return list(DRILLS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in DRILLS]
    if unknown:
        raise ValueError(f"unknown drill(s) {', '.join(unknown)}; choose from {', '.join(DRILLS)} or all")
    return names


@dataclass
class Rig:
    """What the drills act on."""

    world: World
    replicas: Replicas
    pg: PrivatePostgres
    url: str  # the soak database
    fault_seconds: float
    pilot_timeout: float
    prober: Prober | None = None
    monitors: list[asyncio.Task[None]] = field(default_factory=list)
    background: list[asyncio.Task[object]] = field(default_factory=list)

    def probe(self, active: Callable[[], bool]) -> None:
        """Keep people typing while ``active()`` (``bench.soak_probes``)."""
        if self.prober is not None:
            self.background.append(asyncio.create_task(self.prober.run(active)))


async def _kill(rig: Rig, phase: Phase) -> None:
    victim = rig.world.rng.choice(rig.replicas.live)
    phase.fault_start = time.monotonic()
    await rig.replicas.kill(victim)
    phase.fault_end = time.monotonic()

    async def replace() -> object:
        started = time.monotonic()
        replica = await rig.replicas.spawn()
        phase.detail = (
            f"replica-{victim.number} killed; replica-{replica.number} healthy {time.monotonic() - started:.1f} s later"
        )
        return replica

    phase.detail = f"replica-{victim.number} killed"
    rig.background.append(asyncio.create_task(replace()))
    rig.probe(lambda: time.monotonic() < phase.fault_end + 3)


async def _pg_restart(rig: Rig, phase: Phase) -> None:
    phase.fault_start = time.monotonic()
    rig.probe(lambda: not phase.fault_end)
    _, back = await rig.pg.restart(rig.fault_seconds)
    phase.fault_end = back
    phase.detail = f"PostgreSQL down {back - phase.fault_start:.1f} s (stop -m fast, start)"


async def _cw_outage(rig: Rig, phase: Phase) -> None:
    cw, half = rig.world.cw, rig.fault_seconds / 2
    phase.fault_start = time.monotonic()
    await cw.outage()  # 503 ServiceUnavailable
    await asyncio.sleep(half)
    await cw.outage_end()
    await cw.outage(refuse=True)  # connections refused and reset
    await asyncio.sleep(half)
    await cw.outage_end()
    phase.fault_end = time.monotonic()
    phase.detail = f"ConnectWise 503 for {half:.1f} s, then connections refused/reset for {half:.1f} s"


async def _anthropic(rig: Rig, phase: Phase) -> None:
    model, third = rig.world.model, rig.fault_seconds / 3
    phase.fault_start = time.monotonic()
    limited = error_body("rate_limit_error", "This request would exceed your organization's rate limit.")
    await model.outage(status=429, body=limited, headers={"retry-after-ms": "500"})
    await asyncio.sleep(third)
    await model.outage(status=529, body=error_body("overloaded_error", "Overloaded"), headers={"retry-after-ms": "500"})
    await asyncio.sleep(third)
    await model.outage_end()
    stall = rig.pilot_timeout + 2

    def hold(call: RecordedCall) -> None:  # each request in the window: no answer before the client gives up
        if call.path.endswith(MESSAGES):
            model.delay_next(MESSAGES, stall)

    model.listeners.append(hold)
    await asyncio.sleep(third)
    model.listeners.remove(hold)
    phase.fault_end = time.monotonic()
    phase.detail = (
        f"429 for {third:.1f} s, 529 for {third:.1f} s, answers {stall:.0f} s late (timeouts) for {third:.1f} s"
    )


async def _slack_429(rig: Rig, phase: Phase) -> None:
    phase.fault_start = time.monotonic()
    rig.world.slack.throttle(rig.fault_seconds, retry_after=1)
    await asyncio.sleep(rig.fault_seconds)
    phase.fault_end = time.monotonic()
    phase.detail = f"Slack writes answered 429 (Retry-After: 1) for {rig.fault_seconds:.1f} s"


RUN = {
    "kill": _kill,
    "pg-restart": _pg_restart,
    "cw-outage": _cw_outage,
    "anthropic": _anthropic,
    "slack-429": _slack_429,
}


async def _open_work(url: str, since: datetime) -> tuple[set[int], set[str]]:
    """Inbox rows and outbox items open now that were written since ``since`` (older ones are earlier drills')."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        inbox = await (
            await conn.execute(
                "SELECT id FROM inbox WHERE processed_at IS NULL AND attempts < 5 AND received_at >= %s", (since,)
            )
        ).fetchall()
        outbox = await (
            await conn.execute("SELECT id FROM outbox WHERE status = 'pending' AND created_at >= %s", (since,))
        ).fetchall()
    return {int(r[0]) for r in inbox}, {str(r[0]) for r in outbox}


async def _still_open(url: str, inbox: set[int], outbox: set[str]) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        left = 0
        if inbox:
            row = await (
                await conn.execute(
                    "SELECT count(*) FROM inbox WHERE id = ANY(%s) AND processed_at IS NULL AND attempts < 5",
                    (list(inbox),),
                )
            ).fetchone()
            left += int(row[0]) if row else 0
        if outbox:
            row = await (
                await conn.execute(
                    "SELECT count(*) FROM outbox WHERE id = ANY(%s) AND status = 'pending'", (list(outbox),)
                )
            ).fetchone()
            left += int(row[0]) if row else 0
    return left


async def monitor(rig: Rig, phase: Phase, bound: float) -> None:
    """Fill in the phase's recovery: the first success after the fault's end, and the backlog drained."""
    inbox: set[int] = set()
    outbox: set[str] = set()
    deadline = time.monotonic() + bound
    since = (phase.fault_start_wall or datetime.now(UTC)) - BACKLOG_MARGIN
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.Error, OSError):
            inbox, outbox = await _open_work(rig.url, since)
            break
        await asyncio.sleep(0.25)
    phase.backlog = len(inbox) + len(outbox)
    kinds = SUCCESS_OF.get(phase.name, ())
    while time.monotonic() < deadline and (phase.first_success is None or phase.drained is None):
        if phase.first_success is None:
            phase.first_success = rig.world.ledger.first_success_after(phase.fault_end, kinds)
        if phase.drained is None:
            with contextlib.suppress(psycopg.Error, OSError):
                if not await _still_open(rig.url, inbox, outbox):
                    phase.drained = time.monotonic()
        await asyncio.sleep(0.25)


async def run_drills(rig: Rig, drills: Sequence[str], warmup: float, slot: float, bound: float) -> None:
    """After ``warmup`` seconds, each drill at the start of its ``slot``; a recovery monitor per drill."""
    await asyncio.sleep(warmup)
    for name in drills:
        phase = rig.world.ledger.begin(name)
        phase.fault_start_wall = datetime.now(UTC)
        await RUN[name](rig, phase)
        rig.monitors.append(asyncio.create_task(monitor(rig, phase, bound)))
        await asyncio.sleep(max(0.0, phase.start + slot - time.monotonic()))


async def finish(rig: Rig) -> None:
    """Wait for the replacement replicas and the recovery monitors."""
    await asyncio.gather(*rig.background, *rig.monitors, return_exceptions=True)

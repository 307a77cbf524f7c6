"""Slack clicks against ``rfbot serve`` on PostgreSQL vs a bare bolt ``AsyncApp`` that only acks, same run.

Both servers run as their own processes (as in production); this process plays Slack: it signs requests like
Slack's edge and serves the fake Web API that receives the bot's posts and updates. ``USERS`` virtual engineers
(default 64, ``BENCH_SLACK_USERS``) each run a checklist in their own channel, clicking the next step as soon as
it arrives; every click is a signed ``block_actions`` request. Prints ack latency p50/p99 and throughput for both
servers and their ratio, click -> ``chat.update`` received by the fake, p50/p99, and the CPU time per click of the
server, of its PostgreSQL backends and of this process, with what the rest of the machine used meanwhile (the
benchmark shares 2 cores with everything else, so a disturbed run shows). The same run then repeats the checklist
with ``BENCH_SLACK_LIGHT_USERS`` engineers (default 4; 0 skips it) for the figures at light load.

This process is kept cheap so it takes as little CPU from the servers as it can: each engineer's waiters are
looked up by channel, and the fake tells the engineer the ``ts`` of each step message it answers (no scans of the
call log).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import psycopg

from bench.figures import Result, Row
from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType
from bot.store import migrate
from bot.store.database import Database
from tests.fakes.http_fake import RecordedCall
from tests.fakes.slack_api import FakeSlackApi, Workspace
from tests.fakes.slack_driver import SlackDriver, find_button

USERS = int(os.environ.get("BENCH_SLACK_USERS", "64"))
LIGHT_USERS = int(os.environ.get("BENCH_SLACK_LIGHT_USERS", "4"))
CLICKS_PER_USER = int(os.environ.get("BENCH_SLACK_CLICKS", "10"))
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
FLOW = Flow(key="bench-checklist", name="Bench checklist", kind=FlowKind.PROCEDURAL, nodes=(
    *(Node(f"s{i}", NodeType.PROCEDURE_STEP, title=f"Check {i}", instructions="Look at the thing.")
      for i in range(CLICKS_PER_USER + 2)),
    Node("end", NodeType.PROCEDURE_END, title="Done")))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
Match = Callable[[str, dict[str, Any]], bool]


def pct(values: list[float], p: float) -> float:
    """The p-th percentile of ``values`` (seconds), in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


class BenchSlackApi(FakeSlackApi):
    """The fake Web API, also telling ``answered`` listeners each ``chat.postMessage`` it answered (with the ``ts``
    it assigned), so engineers need not search the call log for it."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: list[Callable[[dict[str, Any]], None]] = []

    def _m_chat_postMessage(self, ws: Workspace, p: dict[str, Any]) -> dict[str, Any]:
        out = super()._m_chat_postMessage(ws, p)
        for listener in self.answered:
            listener(p | {"ts": out["ts"]})
        return out


class Watch:
    """Resolves waiters as the fake Web API records calls (posts in a thread, updates of a message) or answers
    posts. Waiters are kept per channel (each engineer has one), so a call is matched against its channel's only."""

    def __init__(self, api: BenchSlackApi) -> None:
        self.waiters: dict[str, list[tuple[Match, asyncio.Future[dict[str, Any]]]]] = {}
        self.posts: dict[str, list[tuple[Match, asyncio.Future[dict[str, Any]]]]] = {}
        api.listeners.append(self._seen)
        api.answered.append(self._answered)

    @staticmethod
    def _resolve(waiters: list[tuple[Match, asyncio.Future[dict[str, Any]]]], method: str,
                 data: dict[str, Any]) -> None:
        for waiter in list(waiters):
            match, future = waiter
            if not future.done() and match(method, data):
                future.set_result(data)
                waiters.remove(waiter)

    def _seen(self, call: RecordedCall) -> None:
        data = call.data if isinstance(call.data, dict) else {}
        waiters = self.waiters.get(str(data.get("channel", "")))
        if waiters:
            self._resolve(waiters, call.path.rsplit("/", 1)[-1], data)

    def _answered(self, data: dict[str, Any]) -> None:
        waiters = self.posts.get(str(data.get("channel", "")))
        if waiters:
            self._resolve(waiters, "chat.postMessage", data)

    def expect(self, channel: str, match: Match) -> asyncio.Future[dict[str, Any]]:
        """A future resolved with the data of the first later call in ``channel`` that matches, as it arrives."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiters.setdefault(channel, []).append((match, future))
        return future

    def expect_post(self, channel: str, match: Match) -> asyncio.Future[dict[str, Any]]:
        """A future resolved with the first later ``chat.postMessage`` in ``channel`` that matches, once the fake
        answered it (its data plus the ``ts`` assigned)."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.posts.setdefault(channel, []).append((match, future))
        return future


def blocks(data: dict[str, Any]) -> list[dict[str, Any]]:
    raw = data.get("blocks") or []
    return json.loads(raw) if isinstance(raw, str) else list(raw)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) used so far by process ``pid`` (Linux ``/proc``), or by this process."""
    if pid is None:
        return time.process_time()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuMeter:
    """CPU seconds spent while a run lasts: by the server, by the PostgreSQL backends serving ``database``, by this
    process (driver + fake Web API), and by the whole machine (so a run disturbed by other work is visible).
    Backends are sampled every ``every`` seconds, so one that exits keeps its last reading."""

    server_pid: int
    database: str
    every: float = 0.25
    backends: dict[int, tuple[float, float]] = field(default_factory=dict)  # pid -> (first, last) reading
    _started: bool = False  # a backend first seen after the start began during the run (from 0 s)

    def _scan(self) -> None:
        needle = f" {self.database} ".encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if needle not in cmdline.read():
                        continue
            except OSError:
                continue
            pid, now = int(entry), cpu_seconds(int(entry))
            first = self.backends[pid][0] if pid in self.backends else (0.0 if self._started else now)
            self.backends[pid] = (first, now)

    @staticmethod
    def _machine() -> float:
        with open("/proc/stat") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:]]
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait

    @asynccontextmanager
    async def measure(self) -> AsyncIterator[dict[str, float]]:
        """Yields a dict filled, when the block exits, with ``server``, ``postgres``, ``harness`` and ``machine``."""
        self._started = False
        self._scan()
        self._started = True
        start = cpu_seconds(self.server_pid), cpu_seconds(), self._machine()
        result: dict[str, float] = {}

        async def sample() -> None:
            while True:
                await asyncio.sleep(self.every)
                self._scan()

        sampler = asyncio.create_task(sample())
        try:
            yield result
        finally:
            sampler.cancel()
            self._scan()
            result.update(server=cpu_seconds(self.server_pid) - start[0], harness=cpu_seconds() - start[1],
                          postgres=sum(last - first for first, last in self.backends.values()),
                          machine=self._machine() - start[2])


@asynccontextmanager
async def process(args: list[str], env: dict[str, str], port: int, pids: list[int] | None = None) -> AsyncIterator[str]:
    """Run a server process until the block exits; yield its base URL once ``/healthz`` answers (its pid is
    appended to ``pids``)."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below, after the process has exited
    proc = await asyncio.create_subprocess_exec(sys.executable, *args, env={**os.environ, **env},
                                                stdout=asyncio.subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    if pids is not None:
        pids.append(proc.pid)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                if proc.returncode is not None:
                    log.seek(0)
                    raise RuntimeError(f"{args} exited: {log.read().decode()[-2000:]}")
                try:
                    async with http.get(url + "/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        yield url
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()
        log.seek(0)
        errors = [line for line in log.read().decode().splitlines() if "ERROR" in line or "Traceback" in line]
        if errors:
            print(f"{args[1]}: {len(errors)} error lines in its log, first: {errors[0][:300]}", file=sys.stderr)
        log.close()


async def engineer(n: int, driver: SlackDriver, watch: Watch, acks: list[float], updates: list[float],
                   run: str) -> None:
    channel = f"C{run}{n:04d}"

    def post(threaded: bool) -> Match:
        return lambda m, d: m == "chat.postMessage" and bool(d.get("thread_ts")) is threaded

    def step_post(m: str, d: dict[str, Any]) -> bool:  # a step message (it has the Done button), not a remark
        return post(True)(m, d) and "✓" in json.dumps(d.get("blocks"), ensure_ascii=False)

    root, first = watch.expect(channel, post(False)), watch.expect_post(channel, step_post)
    await driver.slash_command(f"start {FLOW.key} #{5000 + n}", user_id=f"U{run}{n}", channel_id=channel)
    await asyncio.wait_for(root, 60)
    step = await asyncio.wait_for(first, 60)
    thread = step["thread_ts"]
    for _ in range(CLICKS_PER_USER):
        step_ts = str(step["ts"])
        button = find_button(blocks(step), "✓")
        updated = watch.expect(channel, lambda m, d, ts=step_ts: m == "chat.update" and d.get("ts") == ts)
        nxt = watch.expect_post(channel, step_post)
        started = time.perf_counter()
        reply = await driver.block_action(button["action_id"], button["value"], user_id=f"U{run}{n}",
                                          channel_id=channel, message_ts=step_ts, thread_ts=thread)
        acks.append(time.perf_counter() - started)
        assert reply.status == 200, reply
        await asyncio.wait_for(updated, 60)
        updates.append(time.perf_counter() - started)
        step = await asyncio.wait_for(nxt, 60)


async def ours(url: str, users: int, run: str) -> tuple[list[float], list[float], float, dict[str, float]]:
    """``users`` engineers through the checklist on ``rfbot serve``, in channels named after ``run``."""
    async with BenchSlackApi() as api:
        for n in range(users):
            api.add_user("T1", f"U{run}{n}", f"Bench User {run}{n}", f"bench{run}{n}@example.invalid")
        port = free_port()
        env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test-T1", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": api.base_url + "/api/", "LOG_LEVEL": "WARNING"}
        pids: list[int] = []
        async with process(["-m", "bot", "serve", "--port", str(port)], env, port, pids) as bot_url, \
                SlackDriver(bot_url, SIGNING_SECRET, api) as driver:
            watch = Watch(api)
            acks: list[float] = []
            updates: list[float] = []
            async with CpuMeter(pids[0], url.rsplit("/", 1)[-1]).measure() as cpu:
                started = time.perf_counter()
                await asyncio.gather(*(engineer(n, driver, watch, acks, updates, run) for n in range(users)))
                elapsed = time.perf_counter() - started
    return acks, updates, elapsed, cpu


async def bare(clicks: int) -> tuple[list[float], float]:
    """The same number of signed clicks, at the same concurrency, against a bolt app that only acks."""
    port = free_port()
    acks: list[float] = []
    value = json.dumps({"v": 1, "s": "x", "n": 0, "x": "ok"})
    async with process(["-m", "bench.bare_bolt", str(port), SIGNING_SECRET], {}, port) as url, \
            SlackDriver(url, SIGNING_SECRET) as driver:
        async def clicker(n: int) -> None:
            for _ in range(clicks // USERS):
                started = time.perf_counter()
                reply = await driver.block_action("rf.done.0", value, user_id=f"U{n}", channel_id=f"C{n}",
                                                  message_ts="1700000000.000100")
                acks.append(time.perf_counter() - started)
                assert reply.status == 200, reply
        started = time.perf_counter()
        await asyncio.gather(*(clicker(n) for n in range(USERS)))
        elapsed = time.perf_counter() - started
    return acks, elapsed


async def main() -> Result:
    """Measure, print the figures and return them."""
    name = f"rfbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        database = Database(url)
        async with database.uow() as uow:
            await uow.flows.save(None, FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED)
            await uow.commit()
        await database.dispose()
        acks, updates, elapsed, cpu = await ours(url, USERS, "A")
        base_acks, base_elapsed = await bare(len(acks))
        light = await ours(url, LIGHT_USERS, "B") if LIGHT_USERS else None
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"slack clicks: {USERS} concurrent engineers x {CLICKS_PER_USER} clicks = {len(acks)} signed block_actions;"
          " rfbot serve on PostgreSQL, each server in its own process")
    print(f"  rfbot serve : ack p50 {pct(acks, 50):6.1f} ms  p99 {pct(acks, 99):6.1f} ms  "
          f"{len(acks) / elapsed:6.0f} clicks/s (each engineer waits for the next step before clicking)")
    print(f"  bare bolt   : ack p50 {pct(base_acks, 50):6.1f} ms  p99 {pct(base_acks, 99):6.1f} ms  "
          f"{len(base_acks) / base_elapsed:6.0f} clicks/s (acks only)")
    print(f"  ratio ack p99 ours/bare: {pct(acks, 99) / pct(base_acks, 99):.2f}x (target <= 1.5x and <= 100 ms)")
    print(f"  click -> chat.update : p50 {pct(updates, 50):6.1f} ms  p99 {pct(updates, 99):6.1f} ms "
          f"(target p99 <= 250 ms); mean {statistics.mean(updates) * 1000:.1f} ms")
    print(f"  (with every engineer clicking again the moment the next step lands, click -> update is queueing: about "
          f"{USERS} / {len(acks) / elapsed:.0f} clicks/s = {USERS / (len(acks) / elapsed) * 1000:.0f} ms)")
    per_click = {key: cpu[key] / len(acks) * 1000 for key in ("server", "postgres", "harness")}
    others = cpu["machine"] - cpu["server"] - cpu["postgres"] - cpu["harness"]
    print(f"  CPU per click ({USERS} engineers, their /rf start included): rfbot serve {per_click['server']:.1f} ms, "
          f"its PostgreSQL backends {per_click['postgres']:.1f} ms, this driver + fake Web API "
          f"{per_click['harness']:.1f} ms; other processes on the machine {others:.1f} s of {elapsed:.1f} s wall "
          f"x {os.cpu_count()} cores")
    if light is not None:
        l_acks, l_updates, l_elapsed, _ = light
        print(f"  same run, {LIGHT_USERS} engineers: ack p50 {pct(l_acks, 50):.1f} ms p99 {pct(l_acks, 99):.1f} ms; "
              f"click -> chat.update p50 {pct(l_updates, 50):.1f} ms p99 {pct(l_updates, 99):.1f} ms; "
              f"{len(l_acks) / l_elapsed:.0f} clicks/s")
    result = figures(acks, updates, elapsed, base_acks, base_elapsed, light, per_click)
    result.notes.append(f"Other processes on the machine used {others:.1f} CPU-s of {elapsed:.1f} s wall x "
                        f"{os.cpu_count()} cores during the {USERS}-engineer run.")
    return result


def figures(acks: list[float], updates: list[float], elapsed: float, base_acks: list[float], base_elapsed: float,
            light: tuple[list[float], list[float], float, dict[str, float]] | None,
            per_click: dict[str, float]) -> Result:
    """The printed figures as data."""
    p99, base_p99 = pct(acks, 99), pct(base_acks, 99)
    result = Result("slack", "Slack clicks: rfbot serve vs bare bolt",
                    f"{USERS} concurrent engineers x {CLICKS_PER_USER} clicks = {len(acks)} signed block_actions; "
                    "rfbot serve on PostgreSQL and a bare bolt app that only acks, each in its own process; every "
                    "engineer clicks again as soon as the next step lands (no think time)")
    result.add(
        Row("ack p50", pct(acks, 50), "ms", pct(base_acks, 50), "bare bolt p50"),
        Row("ack p99", p99, "ms", base_p99, "bare bolt p99", "<= 1.5× bare and <= 100 ms",
            p99 <= 100 and p99 <= 1.5 * base_p99),
        Row("throughput", len(acks) / elapsed, "clicks/s", len(base_acks) / base_elapsed, "bare bolt, acks only",
            digits=0),
        Row("click -> chat.update p50", pct(updates, 50), "ms"),
        Row(f"click -> chat.update p99 ({USERS} engineers)", pct(updates, 99), "ms", target="<= 250 ms",
            met=pct(updates, 99) <= 250),
    )
    if light is not None:
        l_acks, l_updates, l_elapsed, _ = light
        result.add(
            Row(f"ack p99, {LIGHT_USERS} engineers (same run)", pct(l_acks, 99), "ms"),
            Row(f"click -> chat.update p99, {LIGHT_USERS} engineers", pct(l_updates, 99), "ms"),
            Row(f"throughput, {LIGHT_USERS} engineers", len(l_acks) / l_elapsed, "clicks/s", digits=0),
        )
    result.add(
        Row("server CPU per click", per_click["server"], "ms"),
        Row("PostgreSQL CPU per click", per_click["postgres"], "ms"),
        Row("driver + fake Web API CPU per click", per_click["harness"], "ms"),
    )
    result.notes.append(f"With no think time click -> update at {USERS} engineers is queueing: about {USERS} / "
                        f"{len(acks) / elapsed:.0f} clicks/s = {USERS / (len(acks) / elapsed) * 1000:.0f} ms.")
    return result


if __name__ == "__main__":
    asyncio.run(main())

"""Slack clicks against ``rfbot serve`` on PostgreSQL vs a bare bolt ``AsyncApp`` that only acks, same run.

Both servers run as their own processes (as in production); this process plays Slack: it signs requests like
Slack's edge and serves the fake Web API that receives the bot's posts and updates. ``USERS`` virtual engineers
(default 64, ``BENCH_SLACK_USERS``) each run a checklist in their own channel, clicking the next step as soon as
it arrives; every click is a signed ``block_actions`` request. Prints ack latency p50/p99 and throughput for both
servers and their ratio, and click -> ``chat.update`` received by the fake, p50/p99.
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
from typing import Any

import aiohttp
import psycopg

from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType
from bot.store import migrate
from bot.store.database import Database
from tests.fakes.http_fake import RecordedCall
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver, find_button

USERS = int(os.environ.get("BENCH_SLACK_USERS", "64"))
LIGHT_USERS = 4
CLICKS_PER_USER = int(os.environ.get("BENCH_SLACK_CLICKS", "10"))
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
FLOW = Flow(key="bench-checklist", name="Bench checklist", kind=FlowKind.PROCEDURAL, nodes=(
    *(Node(f"s{i}", NodeType.PROCEDURE_STEP, title=f"Check {i}", instructions="Look at the thing.")
      for i in range(CLICKS_PER_USER + 2)),
    Node("end", NodeType.PROCEDURE_END, title="Done")))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
Match = Callable[[str, dict[str, Any]], bool]


def pct(values: list[float], p: float) -> float:
    """The p-th percentile of ``values`` (seconds), in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


class Watch:
    """Resolves waiters as the fake Web API records calls (posts in a thread, updates of a message)."""

    def __init__(self, api: FakeSlackApi) -> None:
        self.waiters: list[tuple[Match, asyncio.Future[dict[str, Any]]]] = []
        api.listeners.append(self._seen)

    def _seen(self, call: RecordedCall) -> None:
        data = call.data if isinstance(call.data, dict) else {}
        method = call.path.rsplit("/", 1)[-1]
        for waiter in list(self.waiters):
            match, future = waiter
            if not future.done() and match(method, data):
                future.set_result(data)
                self.waiters.remove(waiter)

    def expect(self, match: Match) -> asyncio.Future[dict[str, Any]]:
        """A future resolved with the data of the first later call that matches."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiters.append((match, future))
        return future


def blocks(data: dict[str, Any]) -> list[dict[str, Any]]:
    raw = data.get("blocks") or []
    return json.loads(raw) if isinstance(raw, str) else list(raw)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def process(args: list[str], env: dict[str, str], port: int) -> AsyncIterator[str]:
    """Run a server process until the block exits; yield its base URL once ``/healthz`` answers."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below, after the process has exited
    proc = await asyncio.create_subprocess_exec(sys.executable, *args, env={**os.environ, **env},
                                                stdout=asyncio.subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
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


async def posted_ts(api: FakeSlackApi, channel: str, thread: str, count: int) -> str:
    """The ``ts`` of the ``count``-th step message in the thread (the fake assigns it just after the listeners
    ran)."""
    def steps() -> list[dict[str, Any]]:
        found = api.posted(channel=channel, thread_ts=thread)
        return [p for p in found if "✓" in json.dumps(p.get("blocks"), ensure_ascii=False)]

    while len(posts := steps()) < count:  # noqa: ASYNC110 - a few ms at most
        await asyncio.sleep(0.001)
    return str(posts[count - 1]["ts"])


async def engineer(n: int, driver: SlackDriver, api: FakeSlackApi, watch: Watch,
                   acks: list[float], updates: list[float], run: str) -> None:
    channel = f"C{run}{n:04d}"

    def post(threaded: bool) -> Match:
        return lambda m, d: (m == "chat.postMessage" and d.get("channel") == channel
                             and bool(d.get("thread_ts")) is threaded)

    def step_post(m: str, d: dict[str, Any]) -> bool:  # a step message (it has the Done button), not a remark
        return post(True)(m, d) and "✓" in json.dumps(d.get("blocks"), ensure_ascii=False)

    root, first = watch.expect(post(False)), watch.expect(step_post)
    await driver.slash_command(f"start {FLOW.key} #{5000 + n}", user_id=f"U{run}{n}", channel_id=channel)
    await asyncio.wait_for(root, 60)
    step = await asyncio.wait_for(first, 60)
    thread = step["thread_ts"]
    for clicked in range(CLICKS_PER_USER):
        step_ts = await posted_ts(api, channel, thread, clicked + 1)
        button = find_button(blocks(step), "✓")
        updated = watch.expect(lambda m, d, ts=step_ts: m == "chat.update" and d.get("ts") == ts)
        nxt = watch.expect(step_post)
        started = time.perf_counter()
        reply = await driver.block_action(button["action_id"], button["value"], user_id=f"U{run}{n}",
                                          channel_id=channel, message_ts=step_ts, thread_ts=thread)
        acks.append(time.perf_counter() - started)
        assert reply.status == 200, reply
        await asyncio.wait_for(updated, 60)
        updates.append(time.perf_counter() - started)
        step = await asyncio.wait_for(nxt, 60)


async def ours(url: str, users: int, run: str) -> tuple[list[float], list[float], float]:
    """``users`` engineers through the checklist on ``rfbot serve``, in channels named after ``run``."""
    async with FakeSlackApi() as api:
        for n in range(users):
            api.add_user("T1", f"U{run}{n}", f"Bench User {run}{n}", f"bench{run}{n}@example.invalid")
        port = free_port()
        env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test-T1", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": api.base_url + "/api/", "LOG_LEVEL": "WARNING"}
        async with process(["-m", "bot", "serve", "--port", str(port)], env, port) as bot_url, \
                SlackDriver(bot_url, SIGNING_SECRET, api) as driver:
            watch = Watch(api)
            acks: list[float] = []
            updates: list[float] = []
            started = time.perf_counter()
            await asyncio.gather(*(engineer(n, driver, api, watch, acks, updates, run) for n in range(users)))
            elapsed = time.perf_counter() - started
    return acks, updates, elapsed


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


async def main() -> None:
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
        acks, updates, elapsed = await ours(url, USERS, "A")
        base_acks, base_elapsed = await bare(len(acks))
        light = await ours(url, LIGHT_USERS, "B")
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
    l_acks, l_updates, l_elapsed = light
    print(f"  same run, {LIGHT_USERS} engineers: ack p50 {pct(l_acks, 50):.1f} ms p99 {pct(l_acks, 99):.1f} ms; "
          f"click -> chat.update p50 {pct(l_updates, 50):.1f} ms p99 {pct(l_updates, 99):.1f} ms; "
          f"{len(l_acks) / l_elapsed:.0f} clicks/s")


if __name__ == "__main__":
    asyncio.run(main())

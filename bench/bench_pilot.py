"""FlowPilot end to end: ``rfbot serve`` on PostgreSQL with Claude pointed at the loopback Anthropic fake.

The server runs in its own process (as in production); this process plays Slack (signed slash commands, thread
messages and button clicks, ``bench.pilot_slack``), serves the fake Slack Web API that timestamps what the bot shows,
and serves the fake Messages API (``tests.fakes.anthropic_api``: streaming, simulated prompt caching) answering from
the scripts in ``bench.pilot_scenarios``. Fast and deep models get different names, so the tier of each call is the
``model`` of the request the fake received.

Part 1, latency: the model takes ``BENCH_PILOT_DELAY`` seconds per reply (default 5), streamed. Engineers type
``/rf pilot <problem>``, wait for the reply, then write in the thread and wait again: first ``BENCH_PILOT_SEQUENTIAL``
sessions one after the other (default 5, so 10 turns), then ``BENCH_PILOT_CONCURRENT`` sessions at once (default 10).
Prints, from the request being sent: the first visible Slack call (post, edit or ephemeral in the engineer's channel,
and which one it was), the "thinking" placeholder, the final reply, and the ``chat.update`` calls of the reply's
message while it streams (target: first feedback <= 1 s, about one edit per second). Before writing in the thread the
engineer waits until the bot has been quiet for 1.5 s, so late card updates of the previous turn are not taken for
feedback.

Part 2, routing and caching: ``BENCH_PILOT_SESSIONS`` scripted sessions (default all 20, started 0.2 s apart; the model
takes ``BENCH_PILOT_SCENARIO_DELAY`` s per reply, default 0.3) with questions answered by buttons and in the thread,
checks, facts, fixes, forks, status updates and a resolution note. Prints model calls per session, the share of turns
and of all calls on the fast tier (target: turns >= 70%), and the cached-token share, also replayed with the APIs'
documented minimum cacheable prefix (``BENCH_PILOT_MIN_CACHE``: fast,deep tokens, default 4096,1024); the server's
own ``/metrics`` count of model calls is checked against the fake's. Run: ``python -m bench.bench_pilot``.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Sequence

import aiohttp
import psycopg

from bench.bench_slack import PG_ADMIN, CpuMeter, free_port, pct, process
from bench.figures import Result, Row
from bench.pilot_figures import EDITS_PER_S, FIRST_FEEDBACK_S, latency_rows, routing_rows, share
from bench.pilot_model import TOKEN_KINDS, Call, RecordingCache, ScriptedModel, replay
from bench.pilot_scenarios import LATENCY_PROBLEMS, SCENARIOS, Scenario, latency_steps
from bench.pilot_slack import Engineer, PilotSlackApi, TurnTiming
from bot.store import migrate
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.slack_driver import SlackDriver

DELAY = float(os.environ.get("BENCH_PILOT_DELAY", "5"))
SEQUENTIAL = int(os.environ.get("BENCH_PILOT_SEQUENTIAL", "5"))
CONCURRENT = int(os.environ.get("BENCH_PILOT_CONCURRENT", "10"))
SESSIONS = int(os.environ.get("BENCH_PILOT_SESSIONS", str(len(SCENARIOS))))
SCENARIO_DELAY = float(os.environ.get("BENCH_PILOT_SCENARIO_DELAY", "0.3"))
MIN_CACHE = [int(x) for x in os.environ.get("BENCH_PILOT_MIN_CACHE", "4096,1024").split(",")]
FAST, DEEP = "claude-bench-fast", "claude-bench-deep"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
FOLLOW_UP = "It's one user, and it started this week after the monthly updates."
CALLS = re.compile(r'^rfbot_model_calls_total\{purpose="(\w+)",result="(\w+)",tier="(\w+)"\} ([\d.e+]+)$', re.M)


def verdict(ok: bool) -> str:
    """MET / NOT MET."""
    return "MET" if ok else "NOT MET"


class Bench:
    """The running pieces: the fake Web API, the scripted model, the server's URL and a signed driver."""

    def __init__(
        self, api: PilotSlackApi, model: ScriptedModel, cache: RecordingCache, url: str, driver: SlackDriver
    ) -> None:
        self.api, self.model, self.cache, self.url, self.driver = api, model, cache, url, driver
        self.users = 0

    def engineer(self, channel: str) -> Engineer:
        """A new engineer (their own Slack user) in ``channel``."""
        self.users += 1
        user = f"UB{self.users:04d}"
        self.api.add_user("T1", user, f"Bench Engineer {self.users}", f"bench{self.users}@example.invalid")
        return Engineer(self.api, self.driver, channel, user)

    async def model_calls(self) -> Counter[tuple[str, str, str]]:
        """The server's own count of model calls by (tier, purpose, result), from its ``/metrics``."""
        async with aiohttp.ClientSession() as http, http.get(self.url + "/metrics") as response:
            text = await response.text()
        return Counter({(tier, purpose, result): int(float(n)) for purpose, result, tier, n in CALLS.findall(text)})


async def latency_session(bench: Bench, n: int, problem: str) -> list[TurnTiming]:
    """``/rf pilot <problem>``, the reply, a message in the thread, the reply."""
    engineer = bench.engineer(f"CL{n:04d}")
    bench.model.add(problem, latency_steps(problem), "latency", DELAY)
    sent, start = await engineer.pilot(problem)
    first = await engineer.turn(sent, start)
    await engineer.settle()
    sent, start = await engineer.say(FOLLOW_UP)
    return [first, await engineer.turn(sent, start)]


async def scripted_session(bench: Bench, n: int, scenario: Scenario) -> None:
    """One scripted session, from ``/rf pilot`` to the resolution note posted."""
    await asyncio.sleep(0.2 * n)
    engineer = bench.engineer(f"CS{n:04d}")
    bench.model.add(scenario.problem, scenario.steps, scenario.topic, SCENARIO_DELAY)
    sent, start = await engineer.pilot(scenario.problem)
    for step in scenario.steps:
        await engineer.turn(sent, start)
        start = engineer.step_mark = engineer.mark
        sent = time.perf_counter()
        for op in step.ops:
            await engineer.act(op)


def latency_lines(title: str, turns: list[TurnTiming], api: PilotSlackApi) -> list[str]:
    """The printed figures of one latency run (none when it had no turns)."""
    if not turns:
        return []
    first = [t.first_visible for t in turns]
    rates = [share(len(t.edits), t.final - t.placeholder) for t in turns]
    gaps = [b - a for t in turns for a, b in zip(t.edits[:-2], t.edits[1:-1], strict=False)]  # streamed edits only
    late = sum(t.late_edits(api) for t in turns)
    edits = [len(t.edits) for t in turns]
    kinds = Counter(t.first_what for t in turns)
    what = ", ".join(
        f"{name} {n}x (max {max(t.first_visible for t in turns if t.first_what == name) * 1000:.0f} ms)"
        for name, n in kinds.most_common()
    )
    others = [share(t.other_edits, t.final - t.placeholder) for t in turns]
    return [
        title,
        f"    first visible feedback : p50 {pct(first, 50):6.0f} ms  p95 {pct(first, 95):6.0f} ms  max "
        f"{max(first) * 1000:.0f} ms (target <= {FIRST_FEEDBACK_S * 1000:.0f} ms) "
        f"{verdict(max(first) <= FIRST_FEEDBACK_S)}; it was: {what}",
        f"    'thinking' placeholder : p50 {pct([t.placeholder for t in turns], 50):6.0f} ms  "
        f"p95 {pct([t.placeholder for t in turns], 95):6.0f} ms",
        f"    final reply            : p50 {pct([t.final for t in turns], 50) / 1000:6.2f} s   "
        f"p95 {pct([t.final for t in turns], 95) / 1000:6.2f} s   (the model takes {DELAY:.1f} s)",
        f"    edits per reply        : p50 {statistics.median(edits):.0f}  max {max(edits)} (final edit included); "
        f"{statistics.mean(rates):.2f}/s mean, {max(rates):.2f}/s max over a reply; shortest gap between streamed "
        f"edits {min(gaps, default=0) * 1000:.0f} ms (target about 1/s, <= {EDITS_PER_S}/s) "
        f"{verdict(max(rates) <= EDITS_PER_S and late == 0)}",
        f"    streamed edits landing after the final reply (a half-written message left behind): {late}; edits of "
        f"other messages (task lane, session card) while the reply streams: {statistics.mean(others):.2f}/s mean",
    ]


def cpu_line(cpu: dict[str, float], wall: float) -> str:
    """CPU seconds used while the concurrent sessions ran (the machine is shared, so a disturbed run shows)."""
    others = cpu["machine"] - cpu["server"] - cpu["postgres"] - cpu["harness"]
    return (
        f"    CPU meanwhile: rfbot serve {cpu['server']:.1f} s, its PostgreSQL backends {cpu['postgres']:.1f} s, this "
        f"driver + fakes {cpu['harness']:.1f} s, other processes {others:.1f} s, of {wall:.1f} s wall x "
        f"{os.cpu_count()} cores"
    )


def tier_of(call: Call) -> str:
    """fast or deep, from the model the request named."""
    return "fast" if call.model == FAST else "deep"


def by(calls: Sequence[Call], key: str) -> Counter[str]:
    """Calls counted by ``purpose`` or ``tier``."""
    return Counter(c.purpose if key == "purpose" else tier_of(c) for c in calls)


def tier_split(calls: Sequence[Call]) -> str:
    """E.g. ``fast 40/deep 3``."""
    return "/".join(f"{tier} {n}" for tier, n in sorted(by(calls, "tier").items(), reverse=True))


def largest(calls: Sequence[Call], model: str) -> int:
    """The largest prompt (input + cache read + cache write tokens) sent to ``model``."""
    return max((sum(c.usage[k] for k in TOKEN_KINDS[:3]) for c in calls if c.model == model), default=0)


def token_lines(calls: Sequence[Call], sessions: int) -> list[str]:
    """Cached-token share and tokens per session."""
    totals: Counter[str] = Counter()
    for call in calls:
        totals.update(call.usage)
    prompt = sum(totals[k] for k in TOKEN_KINDS[:3])
    read, written, fresh = (
        totals["cache_read_input_tokens"],
        totals["cache_creation_input_tokens"],
        totals["input_tokens"],
    )
    lines = [
        f"  cached-token share     : {share(read, prompt):.1%} of prompt tokens read from cache "
        f"(cache_read {read} / (input {fresh} + cache_read {read} + cache_creation {written}))"
    ]
    for tier, model in (("fast", FAST), ("deep", DEEP)):
        part: Counter[str] = Counter()
        for call in calls:
            if call.model == model:
                part.update(call.usage)
        lines.append(
            f"    {tier}: {share(part['cache_read_input_tokens'], sum(part[k] for k in TOKEN_KINDS[:3])):.1%}"
            f" of {sum(part[k] for k in TOKEN_KINDS[:3])} prompt tokens"
        )
    minimum = {FAST: MIN_CACHE[0], DEEP: MIN_CACHE[-1]}
    again = replay(list(calls), minimum)
    both = sum(again.values(), Counter[str]())
    fast, deep = again.get(FAST, Counter[str]()), again.get(DEEP, Counter[str]())
    lines.append(
        f"    with the minimum cacheable prefix of the API ({MIN_CACHE[0]} tokens fast, {MIN_CACHE[-1]} deep): "
        f"{share(both['cache_read_input_tokens'], both.total()):.1%} (fast "
        f"{share(fast['cache_read_input_tokens'], fast.total()):.1%}, deep "
        f"{share(deep['cache_read_input_tokens'], deep.total()):.1%}; largest prompt {largest(calls, FAST)} tokens "
        f"fast, {largest(calls, DEEP)} deep)"
    )
    lines.append(
        f"  tokens per session     : input {fresh / sessions:.0f}, cache read {read / sessions:.0f}, cache "
        f"write {written / sessions:.0f}, output {totals['output_tokens'] / sessions:.0f}"
    )
    return lines


async def part_two(bench: Bench, rows: list[Row]) -> list[str]:
    """The scripted sessions; returns the printed figures (and appends them to ``rows``)."""
    scenarios = [SCENARIOS[i % len(SCENARIOS)] for i in range(SESSIONS)]
    if not scenarios:
        return []
    bench.cache.entries.clear()
    first_call, first_seen = len(bench.cache.calls), {c: len(s) for c, s in bench.api.seen.items()}
    before = await bench.model_calls()
    started = time.perf_counter()
    await asyncio.gather(*(scripted_session(bench, n, s) for n, s in enumerate(scenarios)))
    elapsed = time.perf_counter() - started
    calls = bench.cache.calls[first_call:]
    counted = await bench.model_calls() - before
    server = Counter({(t, p): 0 for t, p, _ in counted})
    for (t, p, _), n in counted.items():
        server[t, p] += n
    rejected = sum(n for (_, _, result), n in counted.items() if result != "ok")
    tiers, purposes = by(calls, "tier"), by(calls, "purpose")
    resolved = [
        c
        for c, log in bench.api.seen.items()
        if c.startswith("CS")
        and any(s.method == "chat.postMessage" and "Resolved by" in s.text for s in log)
        and any(s.method == "chat.postMessage" and "Ticket note — rf-note-" in s.text for s in log)
    ]
    turns = [c for c in calls if c.purpose == "turn"]
    fast_turns = by(turns, "tier")["fast"]
    per_session = Counter(c.problem for c in calls).values()
    refusals = [
        s.text
        for c, log in bench.api.seen.items()
        if c.startswith("CS")
        for s in log[first_seen.get(c, 0) :]
        if s.method == "chat.postEphemeral"
    ]
    table = ", ".join(
        f"{p} {purposes[p]} ({tier_split([c for c in calls if c.purpose == p])})"
        for p in ("turn", "repair", "fact", "document", "status")
        if purposes[p]
    )
    seen_by_fake = Counter((tier_of(c), "turn" if c.purpose == "repair" else c.purpose) for c in calls)
    rows += routing_rows(calls, len(scenarios), len(resolved), server == seen_by_fake, FAST)
    return [
        f"flowpilot routing and caching: {len(scenarios)} scripted sessions ({len(SCENARIOS)} problems) in "
        f"{elapsed:.1f} s (model {SCENARIO_DELAY:.1f} s per reply); {len(resolved)} of {len(scenarios)} ended "
        "resolved with the ticket note posted",
        f"  model calls            : {len(calls)}, {share(len(calls), len(scenarios)):.1f} per session (min "
        f"{min(per_session)}, max {max(per_session)}); {table}",
        f"  turns on the fast tier : {fast_turns} of {len(turns)} = {share(fast_turns, len(turns)):.0%} "
        f"(target >= 70%) {verdict(share(fast_turns, len(turns)) >= 0.7)}",
        f"  all calls on fast tier : {tiers['fast']} of {len(calls)} = {share(tiers['fast'], len(calls)):.0%} "
        f"(deep: {tiers['deep']}; every resolution note is a deep call)",
        *token_lines(calls, len(scenarios)),
        f"  server /metrics        : {sum(server.values())} model calls "
        f"({', '.join(f'{t} {p} {n}' for (t, p), n in sorted(server.items()))}; {rejected} with a rejected output) — "
        f"{'agrees with' if server == seen_by_fake else 'DIFFERS from'} what the fake received",
        f"  engineer-visible refusals: {len(refusals)}" + (f" (first: {refusals[0][:160]})" if refusals else ""),
        f"  unscripted model requests: {len(bench.model.unscripted)}"
        + (f" ({bench.model.unscripted[:3]})" if bench.model.unscripted else ""),
    ]


async def run(url: str, rows: list[Row]) -> list[str]:
    """Serve the bot against the fakes and run both parts; returns the printed lines (the figures go to ``rows``)."""
    model, cache = ScriptedModel(), RecordingCache()
    async with PilotSlackApi() as api, FakeAnthropic(responder=model) as fake:
        fake.cache = cache
        port = free_port()
        env = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-test-T1",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.base_url + "/api/",
            "LOG_LEVEL": "WARNING",
            "ANTHROPIC_API_KEY": "sk-ant-bench",
            "ANTHROPIC_BASE_URL": fake.url,
            "RFBOT_FAST_MODEL": FAST,
            "RFBOT_DEEP_MODEL": DEEP,
            "VOYAGE_API_KEY": "",
        }
        pids: list[int] = []
        async with (
            process(["-m", "bot", "serve", "--port", str(port)], env, port, pids) as bot_url,
            SlackDriver(bot_url, SIGNING_SECRET, api) as driver,
        ):
            bench = Bench(api, model, cache, bot_url, driver)
            problems = [
                f"{LATENCY_PROBLEMS[n % len(LATENCY_PROBLEMS)]} on desk {n}" for n in range(SEQUENTIAL + CONCURRENT)
            ]
            sequential: list[TurnTiming] = []
            for n in range(SEQUENTIAL):
                sequential += await latency_session(bench, n, problems[n])
            async with CpuMeter(pids[0], url.rsplit("/", 1)[-1]).measure() as cpu:
                started = time.perf_counter()
                together = await asyncio.gather(
                    *(latency_session(bench, n, problems[n]) for n in range(SEQUENTIAL, SEQUENTIAL + CONCURRENT))
                )
                wall = time.perf_counter() - started
            lines = [
                f"flowpilot latency: fake model {DELAY:.1f} s per reply, streamed; rfbot serve on PostgreSQL in its "
                "own process; each session is /rf pilot <problem>, then a message in the thread",
                *latency_lines(
                    f"  {SEQUENTIAL} sessions one after the other ({2 * SEQUENTIAL} turns):", sequential, api
                ),
                *latency_lines(
                    f"  {CONCURRENT} sessions at once ({2 * CONCURRENT} turns):",
                    [t for turns in together for t in turns],
                    api,
                ),
                cpu_line(cpu, wall),
            ]
            rows += latency_rows(f"{SEQUENTIAL} sessions in sequence", sequential, api)
            rows += latency_rows(f"{CONCURRENT} at once", [t for turns in together for t in turns], api)
            lines += await part_two(bench, rows)
    return lines


async def main() -> Result:
    """Create a scratch database, run the bench, drop the database (also on failure), print the figures and return
    them."""
    name = f"rfbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        rows: list[Row] = []
        lines = await run(url, rows)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("\n".join(lines))
    setup = (
        f"rfbot serve on PostgreSQL in its own process, Claude pointed at the loopback Anthropic fake; latency: "
        f"the model streams a {DELAY:.1f} s reply, {SEQUENTIAL} sessions in sequence then {CONCURRENT} at once; "
        f"routing: {SESSIONS} scripted sessions (model {SCENARIO_DELAY:.1f} s per reply)"
    )
    return Result("pilot", "FlowPilot (copilot) feedback and routing", setup, rows, details=lines)


if __name__ == "__main__":
    asyncio.run(main())

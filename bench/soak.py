"""Scale-out soak with fault drills: N ``rfbot serve`` replicas on a private PostgreSQL, mixed traffic, faults.

``python -m bench.soak [--duration 120] [--replicas 3] [--slack 6] [--teams 3] [--pilot 2] [--drills all]
[--json [PATH]]`` (``make soak SOAK_ARGS=...``). It starts a PostgreSQL cluster of its own (``bench.soak_infra``:
never the machine's shared one), the loopback fakes of Slack, the Teams Bot Connector, ConnectWise and Anthropic,
the replicas (each its own process, every platform configured) and a round-robin proxy, then drives for
``--duration`` seconds:

* Slack and Teams engineers running checklist sessions on ConnectWise tickets (clicks, platform retries, double
  clicks) and resolving them with the form: two notes per session are delivered by the outbox to the ticket;
* FlowPilot engineers (``/rf pilot`` and a message in the thread) answered through the fake Anthropic API;
* a maintenance schedule firing every ``--schedule-every`` seconds in a Slack channel (one leader among the
  replicas records each fire; each fire must post one run card);
* the fault drills (``bench.soak_drills``), one after the other after ``--warmup`` seconds of steady traffic.

Then it waits for the backlog to drain and checks (``bench.soak_checks``) that nothing was duplicated, lost or
reordered; prints the figures per drill and overall (``bench.soak_report``), optionally writes them as JSON, and
exits 1 on any duplicate or loss. Not part of ``make test`` (``tests/e2e/test_soak_short.py`` runs a short one).
``SOAK_KEEP_PG=1`` leaves the cluster running with the replicas' logs in its directory (it is printed), to debug.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.bench_slack import FLOW, SIGNING_SECRET
from bench.soak_checks import verdict_of
from bench.soak_db import read_facts
from bench.soak_drills import Rig, finish, parse_drills, run_drills
from bench.soak_fakes import SoakConnector, SoakModel, SoakSlackApi
from bench.soak_infra import PrivatePostgres, Proxy, Replicas
from bench.soak_ledger import Ledger
from bench.soak_probes import PROBE_USER, Prober
from bench.soak_report import DEFAULT_JSON, print_summary, summary, write_json
from bench.soak_slack import SlackEngineer, SoakSlackDriver
from bench.soak_teams import SoakTeamsDriver, TeamsEngineer, soak_user
from bench.soak_world import World
from bot.engine.events import ConversationRef
from bot.engine.scheduled import ScheduleSpec
from bot.engine.system import UuidIds
from bot.flows.loader import bundled_samples_dir, dump_flow, flow_files, load_flow_file
from bot.flows.model import FlowStatus
from bot.jobs.scheduler_book import Schedules
from bot.store import migrate
from bot.store.database import Database
from bot.store.schedules import SqlSchedules
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.entra import APP_ID, APP_SECRET, TENANT_ID
from tests.fakes.teams_roster import TEAM_ID

MAINTENANCE_FLOW = "monthly-server-patching"
OPS_CHANNEL, ADMIN = "COPS", "UADMIN"
PILOT_TIMEOUT = 4.0


async def prepare(url: str) -> None:
    """Migrate the soak database and publish the checklist flow and the bundled flows."""
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    try:
        async with database.uow() as uow:
            await uow.flows.save(None, FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED)
            for path in flow_files(bundled_samples_dir()):
                text = path.read_text(encoding="utf-8")
                await uow.flows.save(None, load_flow_file(path), text, FlowStatus.PUBLISHED)
            await uow.commit()
    finally:
        await database.dispose()


def environment(url: str, world: World, options: argparse.Namespace) -> dict[str, str]:
    """Every replica's settings: all platforms and vendors pointed at the fakes."""
    creds = world.cw.credentials()
    teams = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    env = {
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": "xoxb-test-T1",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": world.slack.base_url + "/api/",
        "CW_SITE_URL": creds.site_url,
        "CW_COMPANY_ID": creds.company_id,
        "CW_PUBLIC_KEY": creds.public_key,
        "CW_PRIVATE_KEY": creds.private_key,
        "CW_CLIENT_ID": creds.client_id,
        f"{teams}CLIENTID": APP_ID,
        f"{teams}CLIENTSECRET": APP_SECRET,
        f"{teams}TENANTID": TENANT_ID,
        f"{teams}ANONYMOUS_ALLOWED": "true",  # no Entra fake can sign for another process
        "RFBOT_TEAMS_SERVICE_URL": world.teams.service_url,
        "ANTHROPIC_API_KEY": "sk-ant-soak-not-a-real-key",
        "ANTHROPIC_BASE_URL": world.model.url,
        "RFBOT_PILOT_TIMEOUT": str(PILOT_TIMEOUT),
        "RFBOT_SCHEDULER_RELOAD": "1",
        "RFBOT_SCHEDULER_LEADER_POLL": "1",
    }
    if options.lease:
        env["RFBOT_INBOX_LEASE"] = str(options.lease)
    if options.push_lease:
        env["RFBOT_PUSH_LEASE"] = str(options.push_lease)
    return env


async def schedule_runs(driver: SoakSlackDriver, world: World, url: str, every: int) -> str:
    """The team admin schedules the maintenance flow in #ops; the soak makes it fire every ``every`` seconds.
    Returns the schedule's id."""
    mark = world.slack.accepted.mark(OPS_CHANNEL)
    await driver.slash_command(f"schedule add {MAINTENANCE_FLOW}", ADMIN, OPS_CHANNEL)
    await world.slack.accepted.wait(OPS_CHANNEL, mark, lambda s: "Scheduled" in s.text, "schedule added", 60)
    database = Database(url)
    try:
        async with database.uow() as uow:
            team = await uow.teams.get_by_name("slack:T1")
        assert team is not None
        book = Schedules(SqlSchedules(database.engine), lambda: datetime.now(UTC), UuidIds())
        stored = await book.by_key(team.id, f"maintenance:{MAINTENANCE_FLOW}")
        assert stored is not None
        spec = ScheduleSpec(
            team.id,
            stored.kind,
            stored.key,
            cron=f"*/{every} * * * * *",
            timezone="UTC",
            payload=stored.payload,
            conversation=ConversationRef.from_dict(stored.conversation),
        )
        return (await book.put(spec)).id
    finally:
        await database.dispose()


async def watch_notes(world: World) -> None:
    """Record a success each time a note lands on a ticket (for the cw-outage drill's recovery)."""
    seen = 0
    while True:
        total = sum(len(notes) for notes in world.cw.notes.values())
        for _ in range(total - seen):
            world.ledger.success("note")
        seen = total
        await asyncio.sleep(0.1)


async def drain(url: str, world: World, bound: float) -> float:
    """Wait until no inbox row or outbox item is open and the fakes have been quiet for 2 s; returns seconds."""
    started = time.monotonic()
    quiet_since, last = time.monotonic(), -1
    while time.monotonic() - started < bound:
        total = world.slack.accepted.total + world.teams.accepted.total + sum(map(len, world.cw.notes.values()))
        if total != last:
            quiet_since, last = time.monotonic(), total
        with contextlib.suppress(psycopg.Error):
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                row = await (
                    await conn.execute(
                        "SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL AND attempts < 5) + "
                        "(SELECT count(*) FROM outbox WHERE status = 'pending')"
                    )
                ).fetchone()
            if row and not row[0] and time.monotonic() - quiet_since >= 2.0:
                break
        await asyncio.sleep(0.25)
    return time.monotonic() - started


async def traffic(world: World, front: str, options: argparse.Namespace) -> None:
    """Every engineer, until ``world.until``."""
    async with contextlib.AsyncExitStack() as stack:
        driver = await stack.enter_async_context(SoakSlackDriver(front, SIGNING_SECRET, world.slack, world.ledger))
        work = [SlackEngineer(world, driver, f"U{n}", f"CSOAK{n:04d}").checklist() for n in range(options.slack)]
        work += [SlackEngineer(world, driver, f"UP{n}", "").pilot(n) for n in range(options.pilot)]
        for n in range(options.teams):
            teams_driver = await stack.enter_async_context(SoakTeamsDriver(front, world))
            work.append(TeamsEngineer(world, teams_driver, soak_user(n)).checklist())
        await asyncio.gather(*work)


async def soak(options: argparse.Namespace, drills: list[str]) -> dict[str, Any]:
    """One run; returns the summary."""
    pg = PrivatePostgres()
    try:
        await pg.start()
        name = f"rfbot_soak_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = pg.url.rsplit("/", 1)[0] + f"/{name}"
        await prepare(url)
        return await _run(options, drills, pg, url)
    finally:
        if os.environ.get("SOAK_KEEP_PG"):  # debugging: leave the cluster (and the replicas' logs) behind
            print(f"soak: PostgreSQL left running at {pg.url} (directory {pg.root})", file=sys.stderr)
        else:
            await asyncio.to_thread(pg.remove)


async def _run(options: argparse.Namespace, drills: list[str], pg: PrivatePostgres, url: str) -> dict[str, Any]:
    model = FakeAnthropic(responder=SoakModel())
    async with SoakSlackApi() as slack, SoakConnector() as connector, FakeConnectWise() as cw, model:
        users = (ADMIN, PROBE_USER, *(f"U{n}" for n in range(options.slack)), *(f"UP{n}" for n in range(options.pilot)))
        for user in users:
            slack.add_user("T1", user, f"Soak {user}", f"{user.lower()}@example.invalid")
        for n in range(options.teams):
            connector.add_user(soak_user(n))
            connector.teams[TEAM_ID].members.append(soak_user(n).id)
        world = World(slack, connector, cw, model, Ledger(), until=0.0, wait_s=options.wait)
        replicas = Replicas(environment(url, world, options), pg.root)
        proxy = Proxy(replicas)
        rig = Rig(world, replicas, pg, url, options.fault_seconds, PILOT_TIMEOUT)
        notes = asyncio.create_task(watch_notes(world))
        try:
            await replicas.start(options.replicas)
            front = await proxy.start()
            schedule_id = ""
            if options.schedule_every:
                async with SoakSlackDriver(front, SIGNING_SECRET, slack, world.ledger) as admin:
                    schedule_id = await schedule_runs(admin, world, url, options.schedule_every)
            prober_driver = SoakSlackDriver(front, SIGNING_SECRET, slack, world.ledger)
            await prober_driver.__aenter__()
            rig.prober = Prober(world, front, prober_driver)
            world.ledger.begin("baseline")
            started = time.monotonic()
            world.until = started + options.duration
            slot = max(options.fault_seconds + 2, (options.duration - options.warmup) / max(1, len(drills)))
            drilling = asyncio.create_task(run_drills(rig, drills, options.warmup, slot, options.drain))
            await traffic(world, front, options)
            elapsed = time.monotonic() - started
            await drilling
            if schedule_id:  # no more fires: the drain waits for quiet
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(
                        "UPDATE schedules SET paused = true, revision = revision + 1 WHERE id = %s", (schedule_id,)
                    )
            drained = await drain(url, world, options.drain)
            await finish(rig)
            kills = {f":{r.process.pid}:": r.killed_at for r in replicas.members if r.killed_at is not None}
            verdict = verdict_of(world, read_facts(url, schedule_id), schedule_id, kills)
        finally:
            notes.cancel()
            if rig.prober is not None:
                await rig.prober.slack.close()
            await proxy.stop()
            await replicas.stop()
    settings = {
        "replicas": options.replicas,
        "slack": options.slack,
        "teams": options.teams,
        "pilot": options.pilot,
        "duration_s": options.duration,
        "drills": drills,
        "fault_s": options.fault_seconds,
        "schedule_every_s": options.schedule_every,
        "inbox_lease_s": options.lease or 30,
    }
    findings = replicas.log_findings()
    extra = {
        "elapsed_s": round(elapsed, 1),
        "drain_s": round(drained, 1),
        "bad_gateway": proxy.bad_gateway,
        "slack_throttled": slack.throttled,
        "log_errors": {k: v[:5] for k, v in findings.items()},
        "log_error_lines": sum(len(v) for v in findings.values()),
    }
    return summary(world.ledger, verdict, settings, extra)


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=(__doc__ or "").splitlines()[0])
    p.add_argument("--duration", type=float, default=120.0, help="seconds of traffic (default 120)")
    p.add_argument("--replicas", type=int, default=3, help="rfbot serve processes (default 3)")
    p.add_argument("--slack", type=int, default=6, help="Slack checklist engineers (default 6)")
    p.add_argument("--teams", type=int, default=3, help="Teams checklist engineers (default 3)")
    p.add_argument("--pilot", type=int, default=2, help="FlowPilot engineers on Slack (default 2)")
    p.add_argument(
        "--drills",
        default="all",
        help="comma-separated: kill,pg-restart,cw-outage,anthropic,slack-429; all (default) or none",
    )
    p.add_argument("--fault-seconds", type=float, default=5.0, help="how long each fault lasts (default 5)")
    p.add_argument("--warmup", type=float, default=10.0, help="seconds of steady traffic before the first drill")
    p.add_argument("--schedule-every", type=int, default=5, help="maintenance fire every N seconds (0: none)")
    p.add_argument("--lease", type=float, default=0.0, help="RFBOT_INBOX_LEASE for the replicas (default: 30 s)")
    p.add_argument("--push-lease", type=float, default=0.0, help="RFBOT_PUSH_LEASE for the replicas (default: 120 s)")
    p.add_argument("--wait", type=float, default=60.0, help="longest an engineer waits for one answer (then moves on)")
    p.add_argument("--drain", type=float, default=240.0, help="longest wait for the backlog to drain at the end")
    p.add_argument(
        "--json",
        nargs="?",
        const=str(DEFAULT_JSON),
        default=None,
        metavar="PATH",
        help=f"also write the summary as JSON (default path {DEFAULT_JSON.relative_to(Path.cwd())})"
        if DEFAULT_JSON.is_relative_to(Path.cwd())
        else "also write the summary as JSON",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when nothing was duplicated or lost."""
    options = parser().parse_args(argv)
    try:
        drills = parse_drills(options.drills)
    except ValueError as err:
        print(f"soak: {err}", file=sys.stderr)
        return 2
    if options.replicas < 1 or options.duration <= 0 or options.schedule_every < 0:
        print("soak: --replicas must be at least 1, --duration above 0, --schedule-every 0 or more", file=sys.stderr)
        return 2
    if "kill" in drills and options.replicas < 2:
        print("soak: the kill drill needs at least 2 replicas", file=sys.stderr)
        return 2
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # a fake's answer to a client that gave up
    data = asyncio.run(soak(options, drills))
    print_summary(data)
    if options.json:
        write_json(data, Path(options.json))
        print(f"  summary written to {options.json}")
    return 0 if data["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""``GET /metrics`` of the served app (``bot.app``) on SQLite and PostgreSQL.

* The queues: inbox rows pending and given up, outbox pushes pending and failed, schedules due and missed -- each
  with the age of its oldest row, read from the database when scraped. The app's workers are left off here so the
  queues hold exactly what the test put in them (``App.web_app`` starts only the workers it has).
* A database that refuses connections (PostgreSQL: the database stops accepting them and its connections are cut)
  never fails the scrape: the queues are reported down, every other metric as usual, and back once it returns.
* Traffic: a FlowPilot session in Slack (fake Slack, Anthropic and ConnectWise) shows acknowledgement latency,
  engine steps, Slack deliveries, model calls by tier and purpose with input/output tokens, and PSA pushes by state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import aiohttp
import psycopg
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql

from bot.app import App, build_app
from bot.config import Settings
from bot.engine.model import OutboxItem
from bot.engine.scheduled import ScheduleKind, ScheduleSpec
from tests.e2e.pilot_script import Pilot, ScriptedModel, chat, pilot_rig
from tests.e2e.slack_transcript import eventually
from tests.fakes.memory_store import FakeClock

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a team's idle sweep next fires at 09:15, after this test's 09:07
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def scrape(url: str) -> Samples:
    async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as resp:
        assert resp.status == 200
        return parse(await resp.text())


@asynccontextmanager
async def served(app: App) -> AsyncIterator[str]:
    """The app's web application on 127.0.0.1:0; yields its base URL."""
    runner = web.AppRunner(app.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def quiet_app(url: str, clock: FakeClock) -> App:
    """The app without its inbox and outbox workers and scheduler, reading the queues afresh at every scrape."""
    settings = Settings(
        _env_file=None,
        database_url=url,
        scheduler_enabled=False,
        scheduler_misfire_grace=60,  # type: ignore[call-arg]
    )
    app = build_app(settings, clock=clock)
    app.worker = app.outbox = None
    assert app.metrics.queues is not None
    app.metrics.queues.cache_seconds = 0.0  # every scrape reads (the cache is ``tests/unit/test_queue_metrics``)
    return app


def queues(samples: Samples) -> dict[str, tuple[float | None, float | None]]:
    """``queue/state`` -> (depth, oldest age) of every queue state in a scrape."""
    found = {}
    for (name, labels), _ in samples.items():
        if name == "rfbot_queue_depth":
            ls = dict(labels)
            found[f"{ls['queue']}/{ls['state']}"] = (
                value(samples, "rfbot_queue_depth", **ls),
                value(samples, "rfbot_queue_oldest_age_seconds", **ls),
            )
    return found


async def test_queue_depth_and_age_are_read_from_the_database_when_scraped(migrated_url: str) -> None:
    clock = FakeClock(NOW)
    app = quiet_app(migrated_url, clock)
    async with served(app) as url:
        empty = await scrape(url)
        assert all(value(empty, "rfbot_queue_up", queue=q) == 1.0 for q in ("inbox", "outbox", "scheduler"))
        assert set(queues(empty).values()) == {(0.0, 0.0)} and len(queues(empty)) == 6

        team = await app.engine.ensure_team("acme")  # with its periodic schedules (the idle sweep: 09:15)
        assert app.schedules is not None
        for key, at in (("late", NOW + timedelta(minutes=1)), ("due", NOW + timedelta(minutes=6, seconds=30))):
            spec = ScheduleSpec(team, ScheduleKind.ANNOUNCE, key, run_at=at, payload={"text": "hi"})
            await app.schedules.put(spec)
        clock.advance(minutes=7)  # 09:07: "late" is 6 minutes past its time (over the 60 s grace), "due" 30 s
        now = clock.now()
        async with app.database.uow() as uow:
            for n, seconds in enumerate((90, 30, 10)):
                await uow.inbox.add(team, f"event-{n}", "slack", {"n": n}, now - timedelta(seconds=seconds))
            for n, seconds in enumerate((120, 45, 5)):
                item = OutboxItem(f"push-{n}", team, "psa.note", {}, f"key-{n}", now - timedelta(seconds=seconds))
                await uow.outbox.add(item)
            await uow.commit()
        async with app.database.uow() as uow:
            oldest = min(await uow.inbox.pending(), key=lambda i: i.id)
            for _ in range(5):  # every attempt used: given up
                await uow.inbox.mark_failed(oldest.id, "boom")
            await uow.outbox.mark_failed("push-0", "ConnectWise said no")
            await uow.commit()

        found = queues(await scrape(url))
    assert found == {
        "inbox/pending": (2.0, 30.0),
        "inbox/failed": (1.0, 90.0),
        "outbox/pending": (2.0, 45.0),
        "outbox/failed": (1.0, 120.0),
        "scheduler/due": (1.0, 30.0),
        "scheduler/missed": (1.0, 360.0),
    }


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
async def test_a_database_that_refuses_connections_never_fails_the_scrape(migrated_url: str, pg_admin_url: str) -> None:
    app = quiet_app(migrated_url, FakeClock(NOW))
    name = migrated_url.rsplit("/", 1)[1]
    allow = "ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}"
    async with served(app) as url:
        assert value(await scrape(url), "rfbot_queue_up", queue="inbox") == 1.0
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL(allow).format(sql.Identifier(name), sql.SQL("false")))
            try:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
                down = await scrape(url)
                async with aiohttp.ClientSession() as http, http.get(url + "/healthz") as health:
                    assert health.status == 503
            finally:
                admin.execute(sql.SQL(allow).format(sql.Identifier(name), sql.SQL("true")))
        back = await scrape(url)
    assert {q: value(down, "rfbot_queue_up", queue=q) for q in ("inbox", "outbox", "scheduler")} == {
        "inbox": 0.0,
        "outbox": 0.0,
        "scheduler": 0.0,
    }
    assert queues(down) == {}, "no stale figures while the database cannot be read"
    assert (value(down, "rfbot_http_requests_total", route="/metrics", status="200") or 0) >= 1
    assert value(back, "rfbot_queue_up", queue="inbox") == 1.0 and queues(back)["inbox/pending"] == (0.0, 0.0)


SESSION = ScriptedModel(
    turns=[("Let's check the cached credentials first.", chat(0.4))],
    document={
        "problem": "Outlook kept asking for the password.",
        "what_we_confirmed": "- One user.",
        "root_cause": "A stale cached token.",
        "resolution": "Cleared the cached token.",
    },
)


@pytest.fixture
async def pilot(migrated_url: str) -> AsyncIterator[Pilot]:
    async with pilot_rig(migrated_url, SESSION) as rig:
        yield rig


async def test_a_session_shows_acks_steps_deliveries_model_calls_tokens_and_pushes(pilot: Pilot) -> None:
    p = pilot
    await p.start("Outlook keeps asking for the password")
    await p.reply_with("cached credentials")
    await p.mention("resolve")
    preview = await p.shown(lambda text: "Confirm & post" in text, "the resolution note preview")
    await p.click(preview, "Confirm & post")
    await p.notes_posted(2)
    url = p.bot.url

    async def settled() -> bool:
        samples = await scrape(url)
        pushed = value(samples, "rfbot_pushes_total", kind="psa.note", state="delivered")
        queued = [queues(samples).get(q) for q in ("inbox/pending", "outbox/pending")]
        return pushed == 2.0 and queued == [(0.0, 0.0), (0.0, 0.0)]

    assert p.bot.app.metrics.queues is not None
    p.bot.app.metrics.queues.cache_seconds = 0.0
    await eventually(settled, "both notes counted as delivered and the queues empty")
    s = await scrape(url)
    assert value(s, "rfbot_ack_seconds_count", platform="slack") == 3  # the command, the mention, the click
    assert value(s, "rfbot_http_requests_total", route="/slack/events", status="200") == 3
    assert (value(s, "rfbot_events_total", platform="slack", result="ok") or 0) >= 3
    assert (value(s, "rfbot_event_seconds_count", platform="slack") or 0) >= 3
    posted = value(s, "rfbot_deliveries_total", platform="slack", method="chat.postMessage", result="ok")
    assert (posted or 0) >= 2
    turns = value(s, "rfbot_model_calls_total", tier="fast", purpose="turn", result="ok")
    documents = value(s, "rfbot_model_calls_total", tier="deep", purpose="document", result="ok")
    assert turns == len(p.model_calls("turn")) and documents == len(p.model_calls("document")) == 1
    for tier in ("fast", "deep"):
        for kind in ("input", "output"):
            assert (value(s, "rfbot_model_tokens_total", tier=tier, kind=kind) or 0) > 0, (tier, kind)
    assert value(s, "rfbot_pushes_total", kind="psa.note", state="failed") is None
    assert value(s, "rfbot_queue_up", queue="scheduler") == 1.0

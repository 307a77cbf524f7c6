"""Scratch databases and the app the engine benchmarks run on.

``scratch_postgres()`` creates a database of its own on the local server, migrates it and drops it afterwards (also
on failure); ``bench_settings(url)`` are the settings of a bare bot on that database: the environment's chat
platforms, PSA, model and embedding credentials are ignored, so a developer's shell cannot change what is measured
(``RFBOT_SECRET_KEYS`` is a key made for the run).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg

from bot.config import Settings
from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType, Option
from bot.store import migrate
from bot.store.database import Database
from bot.store.secrets import generate_key

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
N = NodeType

# A troubleshooting session as an engineer runs it: answer, act, answer, "this fixed it", resolve.
VPN_FLOW = Flow(
    key="bench-vpn",
    name="Bench VPN",
    kind=FlowKind.TROUBLESHOOTING,
    start="internet",
    nodes=(
        Node(
            "internet",
            N.DECISION,
            question="Does the internet work without the VPN?",
            options=(Option("Yes", "restart"), Option("No", "isp")),
        ),
        Node(
            "restart",
            N.ACTION,
            title="Restart the VPN client",
            instructions="Restart the client service.",
            next="works",
        ),
        Node(
            "works", N.DECISION, question="Does it connect now?", options=(Option("Yes", "fixed"), Option("No", "isp"))
        ),
        Node("fixed", N.SOLUTION, title="Client restart", resolution="Restarted the VPN client service."),
        Node("isp", N.SOLUTION, title="Local internet down", resolution="Customer ISP outage."),
    ),
)


@asynccontextmanager
async def scratch_postgres() -> AsyncIterator[str]:
    """A new, migrated PostgreSQL database's URL; the database is dropped when the block exits."""
    name = f"rfbot_bench_{uuid.uuid4().hex[:8]}"
    await asyncio.to_thread(_admin, f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        yield url
    finally:
        await asyncio.to_thread(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def postgres_version() -> str:
    """The server's version string (``SHOW server_version``), or why it could not be read."""
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as err:
        return f"unavailable ({str(err).strip().splitlines()[0]})"
    return str(row[0]) if row else "unknown"


def bench_settings(url: str) -> Settings:
    """Settings of a bot on ``url`` with no chat platform, PSA, model or embedding service configured."""
    overrides: dict[str, Any] = {
        "database_url": url,
        "slack_bot_token": None,
        "slack_signing_secret": None,
        "slack_client_id": "",
        "slack_client_secret": None,
        "teams_client_id": "",
        "cw_site_url": "",
        "cw_public_key": None,
        "cw_private_key": None,
        "anthropic_api_key": None,
        "voyage_api_key": None,
        "secret_keys": generate_key(),  # a key for this run, as a deployment has one (else a warning is printed)
        "log_level": "WARNING",
    }
    unknown = overrides.keys() - Settings.model_fields.keys()
    if unknown:  # Settings ignores unknown names: fail instead of silently measuring a different bot
        raise RuntimeError(f"bench_settings names settings that do not exist: {sorted(unknown)}")
    return Settings(**overrides)


async def publish(database: Database, flow: Flow) -> None:
    """Store ``flow`` as a published flow every team can run."""
    async with database.uow() as uow:
        await uow.flows.save(None, flow, dump_flow(flow), FlowStatus.PUBLISHED)
        await uow.commit()

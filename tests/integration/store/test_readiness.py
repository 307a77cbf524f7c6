"""``/readyz``: a replica is ready when its database answers and the schema is at this release's head revision —
not before ``rfbot db upgrade`` ran, nor when the database is down (``/healthz`` stays the liveness probe)."""

from __future__ import annotations

from aiohttp import ClientSession, web

from bot.metrics import Metrics
from bot.store import migrate
from bot.store.database import Database
from bot.web import build_web_app


async def test_a_migrated_database_is_ready_an_empty_one_is_not(database: Database, db_url: str) -> None:
    assert await database.readiness() == {
        "ready": True,
        "database": True,
        "schema": migrate.head(),
        "expected": migrate.head(),
    }
    empty = Database(db_url)
    try:
        state = await empty.readiness()
    finally:
        await empty.dispose()
    assert state["ready"] is False and state["database"] is True and state["schema"] is None


async def test_readyz_answers_503_until_ready(database: Database) -> None:
    states = [{"ready": False, "database": False}, await database.readiness()]

    async def ready() -> dict[str, object]:
        return states.pop(0)

    app = build_web_app(metrics=Metrics(), health=database.ping, ready=ready, routes=[])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with ClientSession() as http:
            async with http.get(url + "/readyz") as resp:
                assert resp.status == 503 and (await resp.json())["ready"] is False
            async with http.get(url + "/readyz") as resp:
                assert resp.status == 200 and (await resp.json())["schema"] == migrate.head()
            async with http.get(url + "/healthz") as resp:
                assert resp.status == 200
    finally:
        await runner.cleanup()

"""`rfbot psa connect | check | disconnect` and `rfbot keys rotate` as a subprocess, against the loopback
ConnectWise fake: a working connection is stored (encrypted), a failing one is not, rotation keeps it readable."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.store.db import to_sync_url
from bot.store.secrets import generate_key
from tests.e2e.cli import Rfbot
from tests.fakes.connectwise_api import FakeConnectWise


async def test_connect_check_rotate_disconnect(migrated_url: str, tmp_path: Path) -> None:
    key = generate_key()
    rfbot = Rfbot(tmp_path, migrated_url, {"RFBOT_SECRET_KEYS": key})  # a database at head

    async def run(*args: str, check: bool = True) -> str:
        done = await asyncio.to_thread(rfbot, *args, check=check)
        return done.stdout + done.stderr

    async with FakeConnectWise() as cw:
        await run("flows", "import", "--bundled", "--team", "default")
        base = ["psa", "connect", "--team", "default", "--site", cw.base_url, "--company", cw.company]
        base += ["--public-key", cw.public_key, "--client-id", cw.client_id, "--private-key"]
        refused = await run(*base, "wrong-private-key", check=False)
        assert "FAIL" in refused and "Nothing was stored" in refused and "wrong-private-key" not in refused
        stored = await run(*base, cw.private_key)
        assert "Connected team default" in stored and cw.private_key not in stored
        assert "FAIL" not in await run("psa", "check", "--team", "default")

        engine = create_engine(to_sync_url(migrated_url))
        with engine.connect() as conn:
            (row,) = conn.execute(text("SELECT public_key, private_key FROM psa_connections")).all()
        engine.dispose()
        assert cw.private_key not in row[1] and cw.public_key not in row[0]

        rfbot.env["RFBOT_SECRET_KEYS"] = f"{generate_key()},{key}"
        assert "Re-encrypted 2 stored secrets" in await run("keys", "rotate")
        rfbot.env["RFBOT_SECRET_KEYS"] = rfbot.env["RFBOT_SECRET_KEYS"].split(",")[0]  # the old key is gone
        assert "FAIL" not in await run("psa", "check", "--team", "default")
        assert "Disconnected." in await run("psa", "disconnect", "--team", "default")

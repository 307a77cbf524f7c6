"""`rfbot console --ticket` with a ConnectWise connection from the environment (the loopback fake): the ticket card
is shown, and on resolve both notes land on the ticket before the console exits, and it says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.cli import Rfbot
from tests.fakes.connectwise_api import FakeConnectWise


async def test_console_ticket_in_notes_out(migrated_url: str, tmp_path: Path) -> None:
    async with FakeConnectWise() as cw:
        cw.add_ticket(12345, "VPN drops every hour for the whole office")
        env = {
            "CW_SITE_URL": cw.base_url,
            "CW_COMPANY_ID": cw.company,
            "CW_PUBLIC_KEY": cw.public_key,
            "CW_PRIVATE_KEY": cw.private_key,
            "CW_CLIENT_ID": cw.client_id,
        }
        rfbot = Rfbot(tmp_path, migrated_url, env)  # a database at head
        await asyncio.to_thread(rfbot, "flows", "import", "--bundled")
        script = tmp_path / "run.txt"
        script.write_text("/resolve\nReplaced the VPN profile.\n-\n", encoding="utf-8")
        args = ["console", "--flow", "vpn-wont-connect", "--ticket", "12345", "--user", "alice"]
        args += ["--script", str(script)]
        done = await asyncio.to_thread(rfbot, *args)
        out = done.stdout
        assert "VPN drops every hour" in out and "Contoso Dental" in out
        notes = cw.notes_on(12345)
        assert len(notes) == 2 and sum(1 for n in notes if n.get("resolutionFlag")) == 1
        assert "Replaced the VPN profile." in notes[0]["text"]
        assert out.count("posted to ticket #12345 as note #") == 2

"""Attacks on the served Teams endpoint (the real app behind the SDK's JWT check, fake Entra and connector): every
spoilt token is refused, an oversized body gets 413, and a well-signed but malformed activity gets a clear 400 —
no 500, no traceback, nothing stored, nothing sent. One served bot (SQLite), many attacks."""

from __future__ import annotations

import io
import json

import aiohttp
import pytest

from tests.e2e.teams_server import Teams, teams_session
from tests.fakes.entra import TENANT_ID, TokenFlaw
from tests.fakes.teams_roster import DANA


async def nothing_changed(teams: Teams) -> bool:
    async with teams.app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{TENANT_ID}")
        return team is None and list(await uow.inbox.pending()) == [] and not teams.connector.log


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_spoilt_tokens_oversized_and_malformed_activities_are_refused_and_change_nothing(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with teams_session(migrated_url, monkeypatch) as teams:
        user = teams.user
        statuses = {flaw.value: (await user.channel_message("start vpn", auth=flaw)).status for flaw in TokenFlaw}
        assert statuses == dict.fromkeys(statuses, 401)
        for forged in ("Bearer ", "Bearer a.b.c", "Bearer " + "A" * 5000, "Bearer eyJhbGciOiJub25lIn0.e30."):
            assert (await user.personal_message("help", auth=forged)).status == 401, forged
        malformed = user.activity("message", user.connector.personal_conversation_id(DANA.id), DANA, text="hi")
        for spoilt in ({**malformed, "channelId": ""}, {**malformed, "type": 7}, {**malformed, "entities": "x"}):
            reply = await user.post(spoilt)
            assert reply.status in (400, 202) and "Traceback" not in json.dumps(reply.body), (spoilt, reply)
        huge = json.dumps({**malformed, "text": "x" * (2 * 1024 * 1024)}).encode()
        headers = {"Content-Type": "application/json"} | user.authorization()
        async with aiohttp.ClientSession() as http, http.post(user.url, data=io.BytesIO(huge), headers=headers) as r:
            assert r.status == 413 and "Traceback" not in await r.text()
        assert await nothing_changed(teams)

"""Slack installations through slack_sdk's store in our tables: tokens encrypted at rest, found decrypted."""

from __future__ import annotations

import psycopg
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import select

from bot.store.database import Database
from bot.store.secrets import SecretBox, generate_key
from bot.store.slack_installations import CachedInstallations, EncryptedInstallationStore, oauth_state_store
from bot.store.tables import SLACK_BOTS, SLACK_INSTALLATIONS

TOKEN = "xoxb-2222-3333-abcdefghijklmnopqrstuvwx"
REFRESH = "xoxe-1-" + "r" * 160  # longer than slack_sdk's 200-character column once encrypted


def install(team: str, token: str = TOKEN) -> Installation:
    return Installation(
        app_id="A1",
        team_id=team,
        team_name=f"Team {team}",
        bot_token=token,
        bot_refresh_token=REFRESH,
        bot_id=f"B{team}",
        bot_user_id=f"UB{team}",
        bot_scopes="commands,chat:write",
        user_id="U1",
        incoming_webhook_url="https://hooks.slack.example/services/T/B/secret",
    )


async def test_tokens_are_encrypted_at_rest_and_found_decrypted(database: Database) -> None:
    store = EncryptedInstallationStore("cid", database.engine, SecretBox([generate_key()]))
    await store.async_save(install("T2"))
    async with database.engine.connect() as conn:
        stored = [*(await conn.execute(select(SLACK_INSTALLATIONS))).mappings()]
        bots = [*(await conn.execute(select(SLACK_BOTS))).mappings()]
    assert len(stored) == 1 and len(bots) == 1
    for row in (*stored, *bots):
        assert row["bot_token"].startswith("enc:v1:") and "xoxb" not in row["bot_token"]
        assert "xoxe" not in row["bot_refresh_token"]
    assert "hooks.slack" not in stored[0]["incoming_webhook_url"]
    bot = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == (TOKEN, REFRESH)
    found = await store.async_find_installation(enterprise_id=None, team_id="T2")
    assert found is not None and found.bot_token == TOKEN and found.incoming_webhook_url.startswith("https://hooks")
    assert await store.async_find_bot(enterprise_id=None, team_id="T3") is None


async def test_a_dump_shows_no_token(database: Database) -> None:
    if database.dialect != "postgresql":
        return
    store = EncryptedInstallationStore("cid", database.engine, SecretBox([generate_key()]))
    await store.async_save(install("T2"))
    url = database.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT row_to_json(t)::text FROM slack_installations t").fetchall()
    assert rows and all("xoxb" not in r[0] and "xoxe" not in r[0] for r in rows)


async def test_cache_serves_repeat_lookups_and_forgets_on_write(database: Database) -> None:
    store = EncryptedInstallationStore("cid", database.engine, SecretBox([generate_key()]))
    cached = CachedInstallations(store)
    await cached.async_save(install("T2"))
    first = await cached.async_find_bot(enterprise_id=None, team_id="T2")
    async with database.engine.begin() as conn:  # behind the cache's back
        await conn.execute(SLACK_BOTS.delete())
    assert await cached.async_find_bot(enterprise_id=None, team_id="T2") is first
    await cached.async_save(install("T2", token="xoxb-2222-3333-newtokennewtokennewtoken"))
    again = await cached.async_find_bot(enterprise_id=None, team_id="T2")
    assert again is not None and again.bot_token.endswith("newtoken")
    await cached.async_delete_bot(enterprise_id=None, team_id="T2")
    assert await cached.async_find_bot(enterprise_id=None, team_id="T2") is None


async def test_oauth_states_are_single_use(database: Database) -> None:
    states = oauth_state_store(database.engine)
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
    assert await states.async_consume("forged") is False

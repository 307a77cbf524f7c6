"""PSA connections: stored encrypted, read back decrypted, replaced, forgotten; key rotation moves every secret
(PSA keys and Slack tokens) to the new key in one transaction."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import select

from bot.engine.psa import PsaCredentials
from bot.store.database import Database
from bot.store.psa_connections import SqlPsaConnections
from bot.store.secrets import SecretBox, generate_key
from bot.store.slack_installations import EncryptedInstallationStore
from bot.store.tables import SLACK_BOTS, PsaConnectionRow
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B

CREDS = PsaCredentials("connectwise", "https://cw.example.com", "acme", "pub-abc123", "priv-s3cret-xyz", "cid-1")


async def test_stored_encrypted_and_read_back(seeded: Database) -> None:
    store = SqlPsaConnections(seeded.engine, SecretBox([generate_key()]))
    assert await store.get(TEAM_A) is None
    await store.put(TEAM_A, CREDS, NOW)
    async with seeded.engine.connect() as conn:
        (row,) = (await conn.execute(select(PsaConnectionRow))).all()
    assert "s3cret" not in row.private_key and "pub-abc123" not in row.public_key
    found = await store.get(TEAM_A)
    assert found == (CREDS, NOW)
    assert await store.get(TEAM_B) is None
    await store.put(TEAM_A, PsaCredentials("connectwise", "https://cw2.example.com", "acme", "p2", "k2", "c2"), NOW)
    again = await store.get(TEAM_A)
    assert again is not None and again[0].site_url == "https://cw2.example.com" and again[0].private_key == "k2"
    assert await store.delete(TEAM_A) is True and await store.delete(TEAM_A) is False


async def test_rotation_moves_every_secret_to_the_first_key(seeded: Database) -> None:
    old, new = generate_key(), generate_key()
    await SqlPsaConnections(seeded.engine, SecretBox([old])).put(TEAM_A, CREDS, NOW)
    slack = EncryptedInstallationStore("cid", seeded.engine, SecretBox([old]))
    await slack.async_save(Installation(app_id="A1", team_id="T9", bot_token="xoxb-9-9-abc", user_id="U1"))
    both = SecretBox([new, old])
    moved = await SqlPsaConnections(seeded.engine, both).rotate()
    assert moved == 4  # two PSA keys, the installation's and the bot's token
    only_new = SecretBox([new])
    found = await SqlPsaConnections(seeded.engine, only_new).get(TEAM_A)
    assert found is not None and found[0] == CREDS
    store = EncryptedInstallationStore("cid", seeded.engine, only_new)
    bot = await store.async_find_bot(enterprise_id=None, team_id="T9")
    assert bot is not None and bot.bot_token == "xoxb-9-9-abc"
    async with seeded.engine.connect() as conn:
        assert all("xoxb" not in r.bot_token for r in (await conn.execute(select(SLACK_BOTS))).all())

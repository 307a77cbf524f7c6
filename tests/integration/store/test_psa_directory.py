"""The composition root's PSA directory over real stored connections: a team's own connection wins over the
environment's, clients are reused until the stored connection changes, and a team with neither has none."""

from __future__ import annotations

from datetime import timedelta

from bot.app.psa import ConnectedPsas
from bot.engine.psa import Psa, PsaCredentials
from bot.store.database import Database
from bot.store.psa_connections import SqlPsaConnections
from bot.store.secrets import SecretBox, generate_key
from tests.fakes.memory_psa import MemoryPsa
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B

OWN = PsaCredentials("connectwise", "https://own.example", "acme", "p", "k", "c")
ENV = PsaCredentials("connectwise", "https://env.example", "msp", "p", "k", "c")


class Factory:
    def __init__(self) -> None:
        self.built: list[tuple[str, MemoryPsa]] = []

    def __call__(self, credentials: PsaCredentials) -> Psa:
        client = MemoryPsa()
        self.built.append((credentials.site_url, client))
        return client


async def test_own_connection_wins_and_changes_are_picked_up(seeded: Database) -> None:
    store = SqlPsaConnections(seeded.engine, SecretBox([generate_key()]))
    factory = Factory()
    psas = ConnectedPsas(store, factory, ENV, recheck_seconds=0)
    await store.put(TEAM_A, OWN, NOW)
    first = await psas.for_team(TEAM_A)
    assert await psas.for_team(TEAM_A) is first and [u for u, _ in factory.built] == ["https://own.example"]
    assert psas.name_for(TEAM_A) == "ConnectWise"
    env_client = await psas.for_team(TEAM_B)
    assert await psas.for_team(TEAM_B) is env_client and factory.built[-1][0] == "https://env.example"
    changed = PsaCredentials("connectwise", "https://new.example", "acme", "p", "k", "c")
    await store.put(TEAM_A, changed, NOW + timedelta(1))
    assert await psas.for_team(TEAM_A) is not first and factory.built[-1][0] == "https://new.example"
    await psas.close()


async def test_no_connection_anywhere_means_no_psa(seeded: Database) -> None:
    psas = ConnectedPsas(SqlPsaConnections(seeded.engine, SecretBox([generate_key()])), Factory(), None)
    assert await psas.for_team(TEAM_A) is None
    assert await ConnectedPsas(None, Factory(), None).for_team(TEAM_A) is None

"""Teams, users with chat identities, and lazily created per-team settings."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.engine.model import Role, Team, User
from bot.engine.ports import DuplicateRowError
from bot.store.database import Database
from bot.store.tables import AccountSettingsRow
from tests.integration.store.builders import ALICE, NOW, TEAM_A, TEAM_B


async def test_teams_by_id_and_name(seeded: Database) -> None:
    async with seeded.uow() as uow:
        team = await uow.teams.get(TEAM_A)
        assert team == Team(TEAM_A, "A", NOW) and team.created_at.tzinfo is not None
        assert await uow.teams.get_by_name("B") == Team(TEAM_B, "B", NOW)
        assert await uow.teams.get("nope") is None and await uow.teams.get_by_name("nope") is None
        with pytest.raises(DuplicateRowError):
            await uow.teams.add(Team("team-c", "A", NOW))


async def test_users_and_identities(seeded: Database) -> None:
    async with seeded.uow() as uow:
        alice = await uow.users.by_identity(TEAM_A, "console", "alice")
        assert alice is not None and alice.id == ALICE
        assert alice == await uow.users.get(TEAM_A, ALICE)
        assert alice.identities == {"slack": "U1", "console": "alice"}
        bob = await uow.users.by_identity(TEAM_B, "slack", "U1")  # same Slack id, other team: another person
        assert bob is not None and bob.display_name == "Bob"
        alice.role, alice.display_name, alice.email = Role.TEAM_ADMIN, "Alice A.", "a@example.invalid"
        alice.identities = {"slack": "U1", "teams": "29:abc"}
        await uow.users.update(alice)
        await uow.users.add(User("user-c", TEAM_A, "Carol", Role.VIEWER))
        await uow.commit()
    async with seeded.uow() as uow:
        assert await uow.users.by_identity(TEAM_A, "console", "alice") is None
        updated = await uow.users.by_identity(TEAM_A, "teams", "29:abc")
        assert updated == alice
        assert [(u.display_name, u.identities) for u in await uow.users.list(TEAM_A)] == [
            ("Alice A.", {"slack": "U1", "teams": "29:abc"}),
            ("Carol", {}),
        ]
        with pytest.raises(LookupError):
            await uow.users.update(User(ALICE, TEAM_B, "Mallory", Role.SUPER_ADMIN))


async def test_an_identity_belongs_to_one_user_per_team(seeded: Database) -> None:
    async with seeded.uow() as uow:
        with pytest.raises(DuplicateRowError):
            await uow.users.add(User("user-d", TEAM_A, "Dup", Role.ENGINEER, identities={"slack": "U1"}))


async def test_settings_row_is_created_on_first_write_and_merged(seeded: Database) -> None:
    async def rows() -> int:
        async with seeded.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(AccountSettingsRow))).scalar_one())

    async with seeded.uow() as uow:
        assert await uow.settings.get(TEAM_A) == {}
    assert await rows() == 0
    async with seeded.uow() as uow:
        await uow.settings.put(TEAM_A, {"redact": True, "psa": {"board": "Help"}})
        await uow.settings.put(TEAM_A, {"redact": False})
        assert await uow.settings.get(TEAM_A) == {"redact": False, "psa": {"board": "Help"}}
        await uow.commit()
    assert await rows() == 1
    async with seeded.uow() as uow:
        assert await uow.settings.get(TEAM_A) == {"redact": False, "psa": {"board": "Help"}}
        assert await uow.settings.get(TEAM_B) == {}

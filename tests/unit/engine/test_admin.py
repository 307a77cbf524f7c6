"""`admin psa`: team admins connect the team's PSA through a form whose keys are checked before anything is
stored; everyone else is refused; the keys are sealed before they reach the inbox."""

from __future__ import annotations

import pytest

from bot.engine import codec
from bot.engine.engine import Engine
from bot.engine.events import Actor, ConversationRef, FormId, FormSubmitted
from bot.engine.model import Role
from bot.engine.psa import PsaMember
from bot.engine.replies import OpenForm
from bot.jobs.intake import Intake
from tests.fakes.chat import Chat
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

VALUES = {
    "site_url": "https://na.myconnectwise.net",
    "company_id": "acme",
    "public_key": "pub",
    "private_key": "priv-good",
    "client_id": "cid",
}


@pytest.fixture
def directory() -> MemoryPsaDirectory:
    return MemoryPsaDirectory()


@pytest.fixture
def admin(db: MemoryDatabase, clock: FakeClock, team_id: str, directory: MemoryPsaDirectory) -> Chat:
    return Chat(Engine(db, clock, SequentialIds(), psa=directory), team_id, clock, "alice")  # first user: team admin


async def test_a_team_admin_connects_the_psa_after_a_passing_check(admin: Chat, directory: MemoryPsaDirectory) -> None:
    await admin.say("/admin psa")
    (form,) = [r for r in admin.last if isinstance(r, OpenForm)]
    assert form.form is FormId.PSA_CONNECT and [i.name for i in form.inputs] == list(VALUES)
    await admin.submit(**(VALUES | {"private_key": "wrong"}))
    assert "nothing was stored" in admin.text() and directory.stored == {}
    await admin.submit(**(VALUES | {"company_id": " "}))
    assert "Fill in every field: company_id" in admin.text() and directory.stored == {}
    await admin.submit(**VALUES)
    assert "Connected to ConnectWise company acme" in admin.text()
    assert directory.stored[admin.team_id].company_id == "acme"
    await admin.say("/admin psa disconnect")
    assert "removed" in admin.text() and directory.stored == {}


async def test_engineers_and_viewers_are_refused(
    admin: Chat, db: MemoryDatabase, clock: FakeClock, directory: MemoryPsaDirectory
) -> None:
    await admin.say("/help")  # alice becomes the team's first user, its admin
    bob = Chat(admin.engine, admin.team_id, clock, "bob")
    await bob.say("/help")
    await bob.say("/admin psa")
    assert "Only team admins can do that (your role: engineer)" in bob.text()
    assert not [r for r in bob.last if isinstance(r, OpenForm)]
    users = {u.display_name: u for u in db.state.users.values()}
    assert users["Alice"].role is Role.TEAM_ADMIN and users["Bob"].role is Role.ENGINEER
    users["Bob"].role = Role.VIEWER
    await bob.say("/admin psa check")
    assert "Only team admins can do that (your role: viewer)" in bob.text() and directory.stored == {}


async def test_no_key_to_store_with_means_no_form(admin: Chat, directory: MemoryPsaDirectory) -> None:
    directory.storable = False
    await admin.say("/admin psa")
    assert "RFBOT_SECRET_KEYS" in admin.text() and not [r for r in admin.last if isinstance(r, OpenForm)]


async def test_the_intake_seals_the_keys_before_they_are_stored(db: MemoryDatabase, team_id: str) -> None:
    intake = Intake(db, SequentialIds(), FakeClock().now, lambda: None, seal=lambda v: f"sealed({len(v)})")
    event = FormSubmitted(
        team_id=team_id,
        actor=Actor("slack", "U1", "Alice"),
        conversation=ConversationRef("slack", "D1"),
        at=FakeClock().now(),
        event_id="slack:view:V1:h1",
        form=FormId.PSA_CONNECT,
        session_id="",
        state_version=0,
        values=dict(VALUES),
    )
    assert await intake.accept("slack", event)
    (stored,) = db.state.inbox.values()
    values = codec.decode(stored["payload"]).values  # type: ignore[attr-defined]
    assert values["private_key"] == "sealed(9)" and values["public_key"] == "sealed(3)"
    assert values["company_id"] == "acme" and "priv-good" not in str(stored["payload"])


async def test_members_are_matched_by_email_and_fixed_by_hand(
    db: MemoryDatabase, clock: FakeClock, team_id: str
) -> None:
    psa = MemoryPsa(
        members=[
            PsaMember(7, "aquinn", "Alice Quinn", "alice@example.invalid"),
            PsaMember(8, "bsmith", "Bob Smith", "robert@example.invalid"),
        ]
    )
    directory = MemoryPsaDirectory({team_id: psa})
    engine = Engine(db, clock, SequentialIds(), psa=directory)
    alice, bob = Chat(engine, team_id, clock, "alice"), Chat(engine, team_id, clock, "bob")
    await alice.say("/help")
    await bob.say("/help")
    await alice.say("/admin members")
    text = alice.text()
    assert "*Alice* (alice@example.invalid) → `aquinn` Alice Quinn _(auto)_" in text
    assert "*Bob* (bob@example.invalid) — ⚠️ not mapped" in text and "1 matched by e-mail" in text
    await alice.say("/admin members set bob BSMITH")
    assert "Bob is now ConnectWise member `bsmith` (Bob Smith)" in alice.text()
    links = directory.links[team_id]
    assert {link.identifier: link.source for link in links.values()} == {"aquinn": "auto", "bsmith": "manual"}
    await alice.say("/admin members set nobody bsmith")
    assert "No team member matches “nobody”" in alice.text()
    await alice.say("/admin members set bob ghost")
    assert "no active member with the login `ghost`" in alice.text()
    await alice.say("/admin members clear Bob")
    assert "no longer mapped" in alice.text() and len(directory.links[team_id]) == 1
    await bob.say("/admin members")
    assert "Only team admins" in bob.text()

"""`admin audit`: team admins read the team's audit log — administrative actions are in it with who and when, no
secret is ever stored, bad arguments change nothing, and nobody below team admin can read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine.audit import AuditAction, clean_detail, entry
from bot.engine.commands.admin_audit import audit_line, parse_audit_args
from bot.engine.context import UserError
from bot.engine.engine import Engine
from tests.fakes.chat import Chat
from tests.fakes.memory_psa import MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

VALUES = {
    "site_url": "https://na.myconnectwise.net",
    "company_id": "acme",
    "public_key": "pub",
    "private_key": "priv-good",
    "client_id": "cid",
}


@pytest.fixture
def admin(db: MemoryDatabase, clock: FakeClock, team_id: str) -> Chat:
    return Chat(Engine(db, clock, SequentialIds(), psa=MemoryPsaDirectory()), team_id, clock, "alice")


async def test_admin_actions_are_logged_and_listed_newest_first(admin: Chat, db: MemoryDatabase) -> None:
    await admin.say("/admin psa")
    await admin.submit(**VALUES)
    await admin.say("/admin escalation-channel here")
    await admin.say("/admin psa disconnect")
    actions = [e.action for e in db.state.audit]
    assert actions == ["psa.connected", "settings.escalation_channel", "psa.disconnected"]
    assert all(e.actor_name == "Alice" for e in db.state.audit)
    assert "priv-good" not in repr(db.state.audit) and "pub" not in repr(db.state.audit[0].detail.values())
    await admin.say("/admin audit")
    shown = admin.text()
    assert shown.index("psa.disconnected") < shown.index("settings.escalation_channel") < shown.index("psa.connected")
    await admin.say("/admin audit 1 settings")
    assert "settings.escalation_channel" in admin.text() and "psa.connected" not in admin.text()


async def test_bad_arguments_and_other_roles_are_refused(admin: Chat, db: MemoryDatabase, clock: FakeClock) -> None:
    await admin.say("/admin audit 0")
    assert "between 1 and 100" in admin.text()
    await admin.say("/admin audit psa settings")
    assert "Usage: `admin audit" in admin.text()
    await admin.say("/admin audit")
    assert "Nothing in the audit log yet" in admin.text()
    bob = Chat(admin.engine, admin.team_id, clock, "bob")
    await bob.say("/admin audit")
    assert "Only team admins can do that (your role: engineer)" in bob.text()
    assert db.state.audit == []


def test_secrets_never_reach_an_entry_and_values_are_cut() -> None:
    cleaned = clean_detail({"private_key": "k", "api_token": "t", "Password": "p", "site": "x" * 1000, "n": 3})
    assert cleaned == {"site": "x" * 300, "n": 3}
    made = entry("t", datetime(2026, 12, 3, tzinfo=UTC), "u", "Alice", AuditAction.SETTING_CHANGED, "y" * 999)
    assert len(made.target) == 300 and made.action == "settings.changed"


def test_arguments_and_lines() -> None:
    assert parse_audit_args([]) == (20, "") and parse_audit_args(["50", "PSA"]) == (50, "psa")
    with pytest.raises(UserError):
        parse_audit_args(["101"])
    made = entry(
        "t", datetime(2026, 12, 3, 9, 5, tzinfo=UTC), "u", "Alice", AuditAction.NOTE_POSTED, "ticket #1", what="Note"
    )
    assert audit_line(made) == "`2026-12-03 09:05` *Alice* · `psa.note_posted` · ticket #1 — Note"

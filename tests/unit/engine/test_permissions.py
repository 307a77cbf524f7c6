"""Roles everywhere: every command, sub-command, button and form the engine understands is in the permission table,
and each is run as every role — below its role it is refused with a message naming the role it takes and nothing
changes; at or above it, the role check lets it through (whatever the handler then says). Super admins come only
from RFBOT_SUPER_ADMINS. `admin users` changes roles, keeps a team admin, is audited and tells the person."""

from __future__ import annotations

import copy

import pytest

from bot.engine import texts
from bot.engine.commands.registry import COMMANDS
from bot.engine.engine import Engine
from bot.engine.events import ActionId, Actor, ButtonPressed, FormId, FormSubmitted
from bot.engine.model import Role, User
from bot.engine.permissions import (
    ACTION_ROLES,
    COMMAND_ROLES,
    FORM_ROLES,
    RANK,
    SUBCOMMAND_ROLES,
    effective_role,
    outranks,
    role_name,
)
from bot.engine.replies import DirectMessage
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

ROLES = list(Role)
REFUSALS = ("Viewers can read flows and sessions", "Only team admins can do that", "Only super admins")


def refusal_for(needed: Role) -> str:
    """The start of the message a person below ``needed`` gets."""
    return {Role.ENGINEER: REFUSALS[0], Role.TEAM_ADMIN: REFUSALS[1], Role.SUPER_ADMIN: REFUSALS[2]}[needed]


def refused(said: str, needed: Role) -> bool:
    """Whether ``said`` is a role refusal (then: the one naming ``needed``)."""
    if not any(r in said for r in REFUSALS):
        return False
    assert refusal_for(needed) in said, said
    return True


async def person(db: MemoryDatabase, clock: FakeClock, team_id: str, role: Role, super_admins: str = "") -> Chat:
    """A chat as a fresh member of the team with ``role`` (the team's first member, its admin, already exists)."""
    engine = Engine(db, clock, SequentialIds(), super_admins=frozenset({super_admins} - {""}))
    admin = Chat(engine, team_id, clock, "root")
    await admin.say("/help")
    chat = Chat(engine, team_id, clock, f"user-{role.value}")
    await chat.say("/help")
    stored = next(u for u in db.state.users.values() if u.identities.get("test") == chat.user)
    stored.role = Role.TEAM_ADMIN if role is Role.SUPER_ADMIN else role
    return chat


def test_every_command_button_and_form_has_a_role() -> None:
    assert set(COMMANDS) <= set(COMMAND_ROLES), f"no role for {set(COMMANDS) - set(COMMAND_ROLES)}"
    assert set(ActionId) == set(ACTION_ROLES) and set(FormId) == set(FORM_ROLES)
    assert all(key.split()[0] in COMMAND_ROLES for key in SUBCOMMAND_ROLES)
    assert set(COMMAND_ROLES) <= {*COMMANDS, "help"}, "a role for a command that does not exist"
    assert sorted(RANK, key=RANK.__getitem__) == [Role.VIEWER, Role.ENGINEER, Role.TEAM_ADMIN, Role.SUPER_ADMIN]


KNOWN = {*COMMANDS, "help"}
PROBES = [(name, "") for name in COMMAND_ROLES if name in KNOWN] + [
    (key.split(" ", 1)[0], key.split(" ", 1)[1]) for key in SUBCOMMAND_ROLES if key.split()[0] in KNOWN
]


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_commands_as_every_role(db: MemoryDatabase, clock: FakeClock, team_id: str, role: Role) -> None:
    chat = await person(db, clock, team_id, role, super_admins="test:user-super_admin")
    for name, sub in PROBES:
        needed = SUBCOMMAND_ROLES.get(f"{name} {sub}", COMMAND_ROLES[name]) if sub else COMMAND_ROLES[name]
        before = copy.deepcopy(db.state)
        await chat.say(f"/{name} {sub}".strip())
        said = chat.text()
        if outranks(role, needed):
            assert not any(r in said for r in REFUSALS), f"{role.value} was refused `{name} {sub}`: {said}"
        else:
            assert refusal_for(needed) in said, f"{role.value} ran `{name} {sub}` (needs {needed.value}): {said}"
            assert db.state.sessions == before.sessions and db.state.audit == before.audit


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_buttons_and_forms_as_every_role(db: MemoryDatabase, clock: FakeClock, team_id: str, role: Role) -> None:
    chat = await person(db, clock, team_id, role, super_admins="test:user-super_admin")
    for action, needed in ACTION_ROLES.items():
        event = ButtonPressed(action=action, session_id="s-unknown", state_version=1, value="x", **chat._base())  # type: ignore[arg-type]
        said = "\n".join(view_text(r.view) for r in await chat.engine.handle(event) if hasattr(r, "view"))
        assert refused(said, needed) != outranks(role, needed), f"{role.value} pressing {action}: {said}"
    for form, needed in FORM_ROLES.items():
        event = FormSubmitted(form=form, session_id="s-unknown", state_version=1, values={}, **chat._base())  # type: ignore[arg-type]
        said = "\n".join(view_text(r.view) for r in await chat.engine.handle(event) if hasattr(r, "view"))
        assert refused(said, needed) != outranks(role, needed), f"{role.value} submitting {form}: {said}"


def test_super_admins_come_only_from_the_operators_list() -> None:
    user = User(id="u", team_id="t", display_name="Op", role=Role.ENGINEER)
    operators = frozenset({"slack:U1"})
    assert effective_role(user, Actor("slack", "U1", "Op"), operators) is Role.SUPER_ADMIN
    assert effective_role(user, Actor("teams", "U1", "Op"), operators) is Role.ENGINEER
    user.role = Role.SUPER_ADMIN  # stored by some older release: without the list it is a team admin
    assert effective_role(user, Actor("slack", "U2", "Op"), operators) is Role.TEAM_ADMIN
    assert role_name(Role.TEAM_ADMIN) == "team admin"


async def test_admin_users_changes_roles_keeps_an_admin_and_is_audited(
    db: MemoryDatabase, clock: FakeClock, team_id: str
) -> None:
    engine = Engine(db, clock, SequentialIds())
    alice, bob = Chat(engine, team_id, clock, "alice"), Chat(engine, team_id, clock, "bob")
    await alice.say("/help")
    await bob.say("/help")
    await alice.say("/admin users")
    assert "Alice* — team admin" in alice.text() and "Bob* — engineer" in alice.text()
    await alice.say("/admin users set Alice engineer")
    assert "only team admin" in alice.text()
    await alice.say("/admin users set bob super_admin")
    assert "RFBOT_SUPER_ADMINS" in alice.text()
    await alice.say("/admin users set bob boss")
    assert "`boss` is not a role" in alice.text()
    await alice.say("/admin users set nobody viewer")
    assert not db.state.audit
    await alice.say("/admin users set bob viewer")
    assert "Bob is now a viewer (was engineer)" in alice.text()
    (told,) = [r for r in alice.last if isinstance(r, DirectMessage)]
    assert told.actor.platform_user_id == "bob" and "Alice made you a viewer" in told.view.fallback
    await bob.say("/start vpn")
    assert texts.VIEWER_CANNOT in bob.text()
    await alice.say("/admin users set bob admin")
    await alice.say("/admin users set alice viewer")
    assert "Alice is now a viewer" in alice.text()
    assert [(e.action, e.detail["value"]) for e in db.state.audit] == [
        ("user.role_changed", "viewer"),
        ("user.role_changed", "team_admin"),
        ("user.role_changed", "viewer"),
    ]


async def test_admin_teams_is_for_super_admins(
    db: MemoryDatabase, clock: FakeClock, team_id: str, engine: Engine
) -> None:
    other = await engine.ensure_team("globex")
    engine = Engine(db, clock, SequentialIds(), super_admins=frozenset({"test:op"}))
    alice, op = Chat(engine, team_id, clock, "alice"), Chat(engine, other, clock, "op")
    await alice.say("/help")
    await alice.say("/admin teams")
    assert "Only super admins" in alice.text() and "your role: team admin" in alice.text()
    await op.say("/admin teams")
    assert "*globex* (this team)" in op.text() and "team admins: Alice" in op.text()


def test_chat_adapters_know_every_admin_sub_command() -> None:
    from bot.engine.commands.admin import SUBCOMMANDS
    from bot.handlers.commands import ADMIN_SUBCOMMANDS

    assert {*SUBCOMMANDS, "psa", "members"} == ADMIN_SUBCOMMANDS

"""Who may do what: the one table of the least role each command, sub-command, button and form needs.

The engine checks it before any handler runs (``Engine._command``/``_button``/``_form``), so a rule holds on every
platform and no adapter decides anything. Roles rank ``viewer`` < ``engineer`` < ``team_admin`` < ``super_admin``:

* viewers read flows and sessions (list, search, status, history, export, share a team-only link) and nothing else;
* engineers run flows and FlowPilot, resolve, escalate and claim, post to the PSA, and draft flows;
* team admins manage the PSA connection, member mapping, settings, schedules, proposals and roles;
* super admins (the bot's operators: ``RFBOT_SUPER_ADMINS``) also see every team.

A handler may still refuse more finely (only the session's owner pauses it; nobody claims their own escalation).
Everything the engine understands must be listed here: ``tests/unit/engine/test_permissions.py`` checks that the
tables cover every command, action and form, and runs each one as every role.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.events import ActionId, Actor, FormId
from bot.engine.model import Role, User

RANK = {Role.VIEWER: 0, Role.ENGINEER: 1, Role.TEAM_ADMIN: 2, Role.SUPER_ADMIN: 3}
V, E, A, S = Role.VIEWER, Role.ENGINEER, Role.TEAM_ADMIN, Role.SUPER_ADMIN

COMMAND_ROLES: Mapping[str, Role] = {
    # reading
    "help": V, "list": V, "search": V, "status": V, "history": V, "export": V, "stats": V, "share": V,
    "schedule": V, "proposals": V, "steps": V,
    # running sessions and FlowPilot
    "start": E, "note": E, "addstep": E, "link": E, "back": E, "pause": E, "resume": E, "resolve": E,
    "abandon": E, "escalate": E, "park": E, "pilot": E, "fact": E, "update": E, "flow": E,
    # administration
    "admin": A,
}  # fmt: skip
"""The least role of each command (by its canonical name, after aliases)."""

SUBCOMMAND_ROLES: Mapping[str, Role] = {
    "admin teams": S,
    "share public": E,  # `share revoke`: everyone may revoke their own links (admins anyone's: the handler)
    "schedule add": A, "schedule pause": A, "schedule resume": A, "schedule remove": A, "schedule run": A,
    "proposals run": A,
    "steps add": E, "steps edit": E,
    "flow show": V, "flow export": V, "flow versions": V, "flow folders": V, "flow browse": V,
    "flow publish": A, "flow archive": A, "flow restore": A,
}  # fmt: skip
"""Sub-commands whose role differs from their command's (``"<command> <first word>"``)."""

ACTION_ROLES: Mapping[ActionId, Role] = {action: E for action in ActionId} | {
    ActionId.CANCEL: V,  # closing a confirmation changes nothing
    ActionId.EDIT_SETTINGS: A,  # the team settings form (bot.engine.commands.admin_settings)
    ActionId.SCHEDULE_REMOVE: A,  # confirming `schedule remove`
    ActionId.PROPOSAL_APPROVE: A,  # reviewing flow proposals (bot.engine.commands.proposals)
    ActionId.PROPOSAL_EDIT: A,
    ActionId.PROPOSAL_REJECT: A,
    ActionId.PROPOSAL_DISMISS: A,
    ActionId.PROPOSAL_SHOW: V,  # reading one
    ActionId.STEP_SHOW: V,  # reading a library step
    ActionId.FLOW_SHOW: V,  # reading a flow of the library
    ActionId.FLOW_BROWSE: V,
}
"""The least role of each button (every button changes something, unless listed otherwise)."""

FORM_ROLES: Mapping[FormId, Role] = {form: E for form in FormId} | {
    FormId.PSA_CONNECT: A,
    FormId.TEAM_SETTINGS: A,
    FormId.PROPOSAL_EDIT: A,
    FormId.PROPOSAL_REJECT: A,
}
"""The least role of each form."""


def outranks(role: Role, needed: Role) -> bool:
    """Whether ``role`` is at least ``needed``."""
    return RANK[role] >= RANK[needed]


def command_role(name: str, args: str) -> Role:
    """The least role of ``name`` with these arguments (its sub-command's, if listed). Unknown: engineer."""
    first = args.split(maxsplit=1)[0].lower() if args.strip() else ""
    if first and f"{name} {first}" in SUBCOMMAND_ROLES:
        return SUBCOMMAND_ROLES[f"{name} {first}"]
    return COMMAND_ROLES.get(name, E)


def effective_role(user: User, actor: Actor, super_admins: frozenset[str]) -> Role:
    """The role ``user`` acts with: super admin when the acting identity is one of the operators'
    (``RFBOT_SUPER_ADMINS``), never otherwise (a stored ``super_admin`` without it counts as team admin)."""
    if f"{actor.platform}:{actor.platform_user_id}" in super_admins:
        return Role.SUPER_ADMIN
    return Role.TEAM_ADMIN if user.role is Role.SUPER_ADMIN else user.role


def role_name(role: Role) -> str:
    """``team_admin`` -> ``team admin``."""
    return role.value.replace("_", " ")

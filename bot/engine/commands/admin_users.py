"""`admin users` — the team's members and their roles; `admin users set <user> <role>` changes one (team admins).

Roles a team admin can give: viewer, engineer, team_admin. Super admins are the bot's operators, named in
``RFBOT_SUPER_ADMINS``, never given from chat. A team always keeps at least one team admin. Every change is in the
audit log and the person is told in a direct message.
"""

from __future__ import annotations

from bot.engine.audit import AuditAction
from bot.engine.commands.escalate import actor_for
from bot.engine.commands.members import find_user
from bot.engine.context import Ctx, UserError
from bot.engine.model import Role, User
from bot.engine.permissions import role_name
from bot.engine.replies import Context, DirectMessage, Text, View

GIVEN = {
    "viewer": Role.VIEWER,
    "engineer": Role.ENGINEER,
    "team_admin": Role.TEAM_ADMIN,
    "team-admin": Role.TEAM_ADMIN,
    "admin": Role.TEAM_ADMIN,
}
USAGE = (
    "Usage: `admin users` lists the team and its roles; `admin users set <user> viewer|engineer|team_admin` "
    "changes one."
)
ICONS = {Role.SUPER_ADMIN: "🛡️", Role.TEAM_ADMIN: "⭐", Role.ENGINEER: "🔧", Role.VIEWER: "👀"}
LAST_ADMIN = "{name} is the team's only team admin: make someone else team admin first."
NOT_GIVEN = "The super admin role belongs to the bot's operators (RFBOT_SUPER_ADMINS); it is not given from chat."
UNCHANGED = "{name} is already {article} {role}."
CHANGED = "{name} is now {article} {role} (was {before})."
TOLD = "{by} made you {article} {role} in ResolutionFlow (was {before})."


def _article(role: Role) -> str:
    return "an" if role is Role.ENGINEER else "a"


async def users_command(ctx: Ctx, words: list[str]) -> None:
    """`admin users [set <user> <role>]` (the caller is a team admin)."""
    if not words or words[0].lower() == "list":
        await _list(ctx)
        return
    if words[0].lower() not in ("set", "role") or len(words) < 3:
        raise UserError(USAGE)
    wanted = words[-1].lower()
    if wanted in ("super_admin", "super-admin", "superadmin"):
        raise UserError(NOT_GIVEN)
    role = GIVEN.get(wanted)
    if role is None:
        raise UserError(f"`{words[-1]}` is not a role. {USAGE}")
    user = await find_user(ctx, " ".join(words[1:-1]))
    await set_role(ctx, user, role)


async def set_role(ctx: Ctx, user: User, role: Role) -> None:
    """Give ``user`` ``role``: refused if it would leave the team without a team admin; audited; they are told."""
    before = user.role
    if before is role:
        ctx.whisper(UNCHANGED.format(name=user.display_name, article=_article(role), role=role_name(role)))
        return
    if before is Role.TEAM_ADMIN:
        admins = [u for u in await ctx.uow.users.list(ctx.team_id) if u.role is Role.TEAM_ADMIN]
        if len(admins) <= 1:
            raise UserError(LAST_ADMIN.format(name=user.display_name))
    user.role = role
    await ctx.uow.users.update(user)
    await ctx.audit(
        AuditAction.ROLE_CHANGED, f"user {user.id}", name=user.display_name, value=role.value, before=before.value
    )
    words = {"article": _article(role), "role": role_name(role), "before": role_name(before)}
    ctx.whisper(CHANGED.format(name=user.display_name, **words))
    reach = actor_for(user, ctx.conversation.platform)
    if reach is not None and user.id != ctx.user.id:
        told = TOLD.format(by=ctx.user.display_name, **words)
        ctx.replies.append(DirectMessage(reach, View((Text(told),), told)))


async def _list(ctx: Ctx) -> None:
    users = await ctx.uow.users.list(ctx.team_id)
    lines = [
        f"{ICONS.get(u.role, '•')} *{u.display_name}* — {role_name(u.role)}" + (f" · {u.email}" if u.email else "")
        for u in users
    ]
    ctx.whisper(f"Team members ({len(users)}):", Text("\n".join(lines) or "Nobody yet."), Context(USAGE))

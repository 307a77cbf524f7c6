"""`admin members` — who is which PSA member. Unmapped users with an e-mail address are matched automatically
when the list is shown; a team admin fixes or removes a link by hand. Notes and time entries are attributed to the
linked member."""

from __future__ import annotations

import re

from bot.engine import texts
from bot.engine.audit import AuditAction
from bot.engine.context import Ctx, UserError
from bot.engine.model import User
from bot.engine.psa import MemberLink, PsaDirectory, PsaError, PsaMember
from bot.engine.replies import Block, Context, Text

MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")


async def find_user(ctx: Ctx, name: str) -> User:
    """The team member ``name`` names: a mention, a display name or e-mail, or a unique name prefix."""
    mention = MENTION.match(name)
    if mention:
        found = await ctx.uow.users.by_identity(ctx.team_id, ctx.event.actor.platform, mention.group(1))
        if found is None:
            raise UserError(texts.NO_SUCH_USER.format(name=name))
        return found
    users = list(await ctx.uow.users.list(ctx.team_id))
    wanted = name.lstrip("@").casefold()
    exact = [u for u in users if u.display_name.casefold() == wanted or u.email.casefold() == wanted]
    close = exact or [u for u in users if u.display_name.casefold().startswith(wanted)]
    if not close:
        raise UserError(texts.NO_SUCH_USER.format(name=name))
    if len(close) > 1:
        raise UserError(texts.USER_AMBIGUOUS.format(name=name, options=", ".join(u.display_name for u in close)))
    return close[0]


def _link(user: User, member: PsaMember, source: str) -> MemberLink:
    return MemberLink(user.id, member.id, member.identifier, member.name, member.email, source)


async def members_command(ctx: Ctx, psa: PsaDirectory, words: list[str]) -> None:
    """`admin members [set <user> <login> | clear <user>]`."""
    client = await psa.for_team(ctx.team_id)
    if client is None:
        raise UserError(texts.PSA_NOT_CONNECTED)
    product = psa.name_for(ctx.team_id)
    action = words[0].lower() if words else "list"
    try:
        if action in ("set", "map") and len(words) >= 3:
            user = await find_user(ctx, " ".join(words[1:-1]))
            identifier = words[-1].casefold()
            member = next((m for m in await client.list_members() if m.identifier.casefold() == identifier), None)
            if member is None:
                raise UserError(texts.NO_SUCH_MEMBER.format(psa=product, identifier=words[-1]))
            await psa.save_member_link(ctx.team_id, _link(user, member, "manual"))
            await ctx.audit(
                AuditAction.MEMBER_LINKED, f"user {user.id}", member=member.identifier, name=user.display_name
            )
            said = texts.MEMBER_SET.format(
                user=user.display_name, psa=product, identifier=member.identifier, name=member.name
            )
            ctx.whisper(said)
        elif action in ("clear", "unmap") and len(words) >= 2:
            user = await find_user(ctx, " ".join(words[1:]))
            gone = await psa.drop_member_link(ctx.team_id, user.id)
            if gone:
                await ctx.audit(AuditAction.MEMBER_UNLINKED, f"user {user.id}", name=user.display_name)
            message = texts.MEMBER_CLEARED if gone else texts.MEMBER_NOT_MAPPED
            ctx.whisper(message.format(user=user.display_name, psa=product))
        elif action == "list":
            await _show(ctx, psa, product, await client.list_members())
        else:
            raise UserError(texts.ADMIN_USAGE)
    except PsaError as err:
        raise UserError(err.message) from None


async def _show(ctx: Ctx, psa: PsaDirectory, product: str, members: list[PsaMember]) -> None:
    users = sorted(await ctx.uow.users.list(ctx.team_id), key=lambda u: u.display_name.casefold())
    links = await psa.member_links(ctx.team_id)
    by_email = {m.email.casefold(): m for m in members if m.email and m.active}
    matched = 0
    for user in users:
        if user.id not in links and user.email and user.email.casefold() in by_email:
            auto = _link(user, by_email[user.email.casefold()], "auto")
            await psa.save_member_link(ctx.team_id, auto)
            links[user.id] = auto
            matched += 1
    lines = []
    for user in users:
        link = links.get(user.id)
        who = f"*{user.display_name}*" + (f" ({user.email})" if user.email else "")
        if link is None:
            lines.append(f"• {who} — {texts.MEMBER_UNMAPPED}")
        else:
            lines.append(f"• {who} → `{link.identifier}` {link.name} _({link.source})_")
    blocks: list[Block] = [Text("\n".join(lines) or "—")]
    if matched:
        blocks.append(Context(texts.MEMBERS_AUTO.format(count=matched)))
    blocks.append(Context(texts.MEMBERS_HINT))
    ctx.whisper("*" + texts.MEMBERS_TITLE.format(psa=product) + "*", *blocks)

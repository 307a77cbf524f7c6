"""`share` — links to a session: for yourself inside the team, or public (redacted, expiring, revocable).

Roles: anyone in the team (viewers too) gets a team link and reads the list; engineers and up make public links
(unless the team turned them off); a link's maker revokes it, team admins revoke anyone's.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.engine.audit import AuditAction
from bot.engine.commands.export import session_to_export
from bot.engine.context import Ctx, UserError
from bot.engine.model import Role, Session
from bot.engine.permissions import outranks
from bot.engine.replies import Context, Ephemeral, Header, Text, View
from bot.engine.sharing import texts
from bot.engine.sharing.records import ShareLink, ShareScope
from bot.engine.sharing.signing import (
    OPEN_PATH,
    PAGE_ACCESS_TTL,
    PUBLIC_PATH,
    TEAM_LINK_TTL,
    LinkSigner,
    Purpose,
    new_public_token,
    token_hash,
)
from bot.engine.team_settings import PUBLIC_SHARE_LINKS, team_setting

DEFAULT_PUBLIC = timedelta(days=7)
MAX_PUBLIC = timedelta(days=90)
MIN_PUBLIC = timedelta(minutes=10)
_DURATION = re.compile(r"^(\d{1,5})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``24h``, ``7d``, ``2w``, ``90m`` -> a ``timedelta`` between 10 minutes and 90 days; else a ``UserError``."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        raise UserError(texts.BAD_DURATION.format(text=text.strip()))
    span = timedelta(**{_UNITS[match.group(2)[0]]: int(match.group(1))})
    if span > MAX_PUBLIC:
        raise UserError(texts.TOO_LONG.format(text=text.strip()))
    if span < MIN_PUBLIC:
        raise UserError(texts.TOO_SHORT.format(text=text.strip()))
    return span


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


async def cmd_share(ctx: Ctx, args: str) -> None:
    """Share the session here: `share` (a link for you), `share public [7d]`, `share list`, `share revoke ID|all`."""
    words = args.split()
    action = words[0].lower() if words else ""
    if action not in ("", "public", "list", "revoke"):
        raise UserError(texts.USAGE)
    session = await session_to_export(ctx)
    if action == "list":
        await _list(ctx, session)
    elif action == "revoke":
        await _revoke(ctx, session, words[1:])
    elif action == "public":
        if len(words) > 2:
            raise UserError(texts.USAGE)
        await _public(ctx, session, parse_duration(words[1]) if len(words) > 1 else DEFAULT_PUBLIC)
    else:
        await _team(ctx, session)


def _signer(ctx: Ctx) -> LinkSigner:
    if ctx.links is None:
        raise UserError(texts.NOT_SERVED)
    return ctx.links


def _new_link(ctx: Ctx, session: Session, scope: ShareScope, expires: datetime, digest: str = "") -> ShareLink:
    return ShareLink(
        id=ctx.ids.new(),
        team_id=ctx.team_id,
        session_id=session.id,
        scope=scope,
        created_by=ctx.user.id,
        created_by_name=ctx.user.display_name,
        created_at=ctx.now,
        expires_at=expires,
        token_hash=digest,
    )


async def _team(ctx: Ctx, session: Session) -> None:
    signer = _signer(ctx)
    link = _new_link(ctx, session, ShareScope.TEAM, ctx.now + PAGE_ACCESS_TTL)
    await ctx.uow.shares.add(link)
    await ctx.audit(AuditAction.SHARE_CREATED, f"session {session.id}", what="team link", link=link.short_id)
    claims = {"link": link.id, "team": ctx.team_id, "session": session.id, "user": ctx.user.id}
    url = signer.url(OPEN_PATH, signer.sign(Purpose.TEAM_LINK, claims, ctx.now + TEAM_LINK_TTL))
    ctx.whisper(texts.TEAM_LINK.format(url=url), Context(texts.TEAM_LINK_CONTEXT.format(id=link.short_id)))


async def _public(ctx: Ctx, session: Session, lasts: timedelta) -> None:
    ctx.require_writer()
    if not await team_setting(ctx.uow, ctx.team_id, PUBLIC_SHARE_LINKS):
        raise UserError(texts.PUBLIC_OFF)
    signer = _signer(ctx)
    token = new_public_token()
    link = _new_link(ctx, session, ShareScope.PUBLIC, ctx.now + lasts, token_hash(token))
    await ctx.uow.shares.add(link)
    expires = link.expires_at.isoformat()
    await ctx.audit(
        AuditAction.SHARE_CREATED, f"session {session.id}", what="public link", link=link.short_id, value=expires
    )
    url = signer.url(PUBLIC_PATH, token)
    text = texts.PUBLIC_LINK.format(id=link.short_id, expires=_stamp(link.expires_at), url=url)
    ctx.whisper(text, Context(texts.PUBLIC_LINK_CONTEXT.format(id=link.short_id)))


def _state(link: ShareLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return texts.STATE_REVOKED.format(at=_stamp(link.revoked_at))
    if not link.live(now):
        return texts.STATE_EXPIRED.format(expires=_stamp(link.expires_at))
    return texts.STATE_LIVE.format(expires=_stamp(link.expires_at))


async def _list(ctx: Ctx, session: Session) -> None:
    links = await ctx.uow.shares.for_session(ctx.team_id, session.id)
    if not links:
        ctx.whisper(texts.NO_LINKS)
        return
    lines = [
        texts.LIST_LINE.format(
            id=link.short_id,
            scope=link.scope.value,
            maker=link.created_by_name,
            created=_stamp(link.created_at),
            state=_state(link, ctx.now),
            views=texts.VIEWED.format(count=link.views, last=_stamp(link.last_viewed_at))
            if link.last_viewed_at
            else texts.NEVER_VIEWED,
        )
        for link in links
    ]
    body = "\n".join(f"• {line}" for line in lines)
    view = View((Header(texts.LIST_HEADER), Text(body)), texts.LIST_HEADER)
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, view))


async def _revoke(ctx: Ctx, session: Session, words: list[str]) -> None:
    if len(words) != 1:
        raise UserError(texts.REVOKE_WHICH)
    links = await ctx.uow.shares.for_session(ctx.team_id, session.id)
    admin = outranks(ctx.user.role, Role.TEAM_ADMIN)
    if words[0].lower() == "all":
        live = [link for link in links if link.live(ctx.now)]
        mine = [link for link in live if admin or link.created_by == ctx.user.id]
        if not mine:
            raise UserError(texts.NOTHING_TO_REVOKE)
        for link in mine:
            await ctx.uow.shares.revoke(ctx.team_id, link.id, ctx.user.id, ctx.now)
            await ctx.audit(AuditAction.SHARE_REVOKED, f"session {session.id}", link=link.short_id)
        others = len(live) - len(mine)
        ctx.whisper(
            texts.REVOKED_MINE.format(count=len(mine), others=others)
            if others
            else texts.REVOKED_ALL.format(count=len(mine))
        )
        return
    wanted = words[0].lower().replace("-", "").strip("`")
    found = [link for link in links if wanted and link.id.replace("-", "").endswith(wanted)]
    found = found or [link for link in links if wanted and link.id.replace("-", "").startswith(wanted)]
    if not found:
        raise UserError(texts.UNKNOWN_LINK.format(id=words[0]))
    if len(found) > 1:
        raise UserError(texts.AMBIGUOUS_LINK.format(id=words[0]))
    link = found[0]
    if not admin and link.created_by != ctx.user.id:
        raise UserError(texts.NOT_YOURS.format(maker=link.created_by_name, id=link.short_id))
    if not await ctx.uow.shares.revoke(ctx.team_id, link.id, ctx.user.id, ctx.now):
        raise UserError(texts.ALREADY_REVOKED.format(id=link.short_id))
    await ctx.audit(AuditAction.SHARE_REVOKED, f"session {session.id}", link=link.short_id)
    ctx.whisper(texts.REVOKED.format(id=link.short_id))

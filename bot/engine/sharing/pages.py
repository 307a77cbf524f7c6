"""What ``rfbot serve``'s sharing routes show: a session behind a team link, a public link or a download link, a
flow's YAML behind a download link, and a flow's diagram behind a diagram link.

Each method takes what the browser sent and answers None for anything that must not be shown -- a tampered,
expired, revoked, unknown or other team's link, public links turned off, a session that is gone -- with no way to
tell those apart. A valid page view is counted and logged on its link; nothing else is written.
Public pages are always redacted; team pages and downloads follow the team's ``redact_exports`` setting.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.engine.documents import load_document
from bot.engine.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.engine.sharing.flow_files import YAML_TYPE, flow_yaml
from bot.engine.sharing.pictures import DiagramPictures, Picture
from bot.engine.sharing.records import ShareScope, ShareView
from bot.engine.sharing.signing import LinkSigner, Purpose, looks_like_public_token, token_hash
from bot.engine.team_settings import PUBLIC_SHARE_LINKS, REDACT_EXPORTS, team_setting
from bot.notes.redact import RedactionFailed
from bot.notes.render import FORMATS, default_filename, render

log = logging.getLogger(__name__)
MIME_TYPES = {"md": "text/markdown", "txt": "text/plain", "html": "text/html"}


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A session to show: the documentation as an escaped HTML fragment, and whether it was redacted."""

    fragment: str
    redacted: bool
    scope: ShareScope


@dataclass(frozen=True, slots=True)
class OpenedLink:
    """A team link opened: where its page is, and the cookie that lets its person read it."""

    session_id: str
    cookie: str
    max_age: int  # seconds


@dataclass(frozen=True, slots=True)
class Download:
    """An export to hand out as a file."""

    filename: str
    mime_type: str
    body: str


class SharePages:
    """The sharing routes' side of the engine (built by the composition root)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, signer: LinkSigner, clock: Clock) -> None:
        self._uow = uow_factory
        self.signer = signer
        self._clock = clock
        self._pictures = DiagramPictures(uow_factory, signer, clock)

    async def open_team_link(self, token: str) -> OpenedLink | None:
        """A team link: valid, unexpired, its record live and made by the person it names. Writes nothing."""
        now = self._clock.now()
        claims = self.signer.verify(Purpose.TEAM_LINK, token, now)
        if claims is None:
            return None
        team, link_id, session_id = claims.get("team", ""), claims.get("link", ""), claims.get("session", "")
        async with self._uow() as uow:
            link = await uow.shares.get(team, link_id)
            if (
                link is None
                or link.scope is not ShareScope.TEAM
                or link.session_id != session_id
                or link.created_by != claims.get("user")
                or not link.live(now)
            ):
                return None
        cookie = self.signer.sign(Purpose.PAGE_COOKIE, claims, link.expires_at)
        return OpenedLink(session_id, cookie, max(1, int((link.expires_at - now).total_seconds())))

    async def team_page(self, session_id: str, cookie: str) -> SharedPage | None:
        """The page a team link's cookie grants: same session, link still live, its person still in the team."""
        now = self._clock.now()
        claims = self.signer.verify(Purpose.PAGE_COOKIE, cookie, now)
        if claims is None or claims.get("session") != session_id:
            return None
        team, user = claims.get("team", ""), claims.get("user", "")
        async with self._uow() as uow:
            link = await uow.shares.get(team, claims.get("link", ""))
            if link is None or link.session_id != session_id or link.created_by != user or not link.live(now):
                return None
            if await uow.users.get(team, user) is None:
                return None
            page = await self._page(
                uow, team, session_id, await team_setting(uow, team, REDACT_EXPORTS), ShareScope.TEAM, now
            )
            if page is not None:
                await uow.shares.record_view(ShareView(link.id, team, now, user))
                await uow.commit()
            return page

    async def public_page(self, token: str) -> SharedPage | None:
        """The page of a live public link of a team that allows public links; always redacted."""
        if not looks_like_public_token(token):
            return None
        now = self._clock.now()
        digest = token_hash(token)
        async with self._uow() as uow:
            link = await uow.shares.by_token_hash(digest)
            if (
                link is None
                or not hmac.compare_digest(link.token_hash, digest)
                or link.scope is not ShareScope.PUBLIC
                or not link.live(now)
                or not await team_setting(uow, link.team_id, PUBLIC_SHARE_LINKS)
            ):
                return None
            page = await self._page(uow, link.team_id, link.session_id, True, ShareScope.PUBLIC, now)
            if page is not None:
                await uow.shares.record_view(ShareView(link.id, link.team_id, now))
                await uow.commit()
            return page

    async def download(self, token: str) -> Download | None:
        """An export behind a signed download link, rendered now: a session's with the team's redaction setting, or
        a flow version's YAML (``flow_files``)."""
        now = self._clock.now()
        claims = self.signer.verify(Purpose.DOWNLOAD, token, now)
        if claims is None:
            return await self._flow_download(token, now)
        fmt = claims.get("fmt", "")
        if fmt not in FORMATS:
            return None
        team = claims.get("team", "")
        async with self._uow() as uow:
            session = await uow.sessions.get(team, claims.get("session", ""))
            if session is None or await uow.users.get(team, claims.get("user", "")) is None:
                return None
            doc = await load_document(uow, team, session, now)
            try:
                rendered = render(doc, fmt, redaction=await team_setting(uow, team, REDACT_EXPORTS))
            except RedactionFailed:
                log.error("redaction failed for a download of a session of team %s; nothing sent", team)
                return None
        return Download(default_filename(doc, fmt), MIME_TYPES[fmt], rendered.body)

    async def _flow_download(self, token: str, now: datetime) -> Download | None:
        claims = self.signer.verify(Purpose.FLOW_DOWNLOAD, token, now)
        if claims is None:
            return None
        async with self._uow() as uow:
            found = await flow_yaml(uow, claims)
        return Download(found[0], YAML_TYPE, found[1]) if found is not None else None

    async def diagram(self, token: str) -> Picture | None:
        """A flow's diagram behind a signed diagram link (``bot.engine.sharing.pictures``)."""
        return await self._pictures.picture(token)

    async def _page(
        self, uow: UnitOfWork, team: str, session_id: str, redact: bool, scope: ShareScope, now: datetime
    ) -> SharedPage | None:
        session = await uow.sessions.get(team, session_id)
        if session is None:
            return None
        doc = await load_document(uow, team, session, now)
        try:
            rendered = render(doc, "html", redaction=redact)
        except RedactionFailed:
            log.error("redaction failed for a shared page of team %s; nothing shown", team)
            return None
        return SharedPage(rendered.body, redact, scope)

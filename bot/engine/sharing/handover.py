"""Exports handed over after the person agrees, on the platform's terms (Teams' file-consent card in a 1:1 chat).

An export's ``Attachment`` carries a signed download link: ``export`` signs team, session, person and format
(``Purpose.DOWNLOAD``), ``flow export`` team, person, flow key and version (``Purpose.FLOW_DOWNLOAD``,
``flow_files``). A platform that must ask before it sends a file puts that link's token in its question and gets it
back with the answer. The token alone proves nothing about who answers: ``claim`` honours it only for the person it
was made for -- the answer's team is the token's team, the answering chat identity is that team's member the token
names, and that member's role still allows the command that made it (`export FMT`, `flow export`) -- and renders the
document again then (a session with the team's redaction setting, a flow's YAML from its stored version; nothing is
kept in between). Anything wrong (tampered, expired, another team or person) is None, with no way to tell which.
"""

from __future__ import annotations

from bot.engine.events import Actor
from bot.engine.model import Role
from bot.engine.permissions import command_role, effective_role, outranks
from bot.engine.ports import Clock, UnitOfWorkFactory
from bot.engine.sharing.pages import Download, SharePages
from bot.engine.sharing.signing import DOWNLOAD_PATH, Purpose


def download_token(url: str) -> str:
    """The token of a download link ``export`` or ``flow export`` made (``…/share/file/<token>``); "" for any
    other URL."""
    _, found, token = url.partition(DOWNLOAD_PATH)
    return token if found and token and "/" not in token and "?" not in token else ""


class ExportHandover:
    """Checks an answered export question against the person who answered, then renders the export."""

    def __init__(
        self,
        pages: SharePages,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        super_admins: frozenset[str] = frozenset(),
    ) -> None:
        self._pages, self._uow, self._clock = pages, uow_factory, clock
        self._super_admins = super_admins  # as the engine has them (RFBOT_SUPER_ADMINS): the same role rules

    def link(self, token: str) -> str:
        """The download link of ``token`` (to offer when the person declines the file)."""
        return self._pages.signer.url(DOWNLOAD_PATH, token)

    def _claims(self, token: str) -> tuple[dict[str, str], Role] | None:
        """The claims of a live download token, and the least role of the command that made it."""
        now = self._clock.now()
        claims = self._pages.signer.verify(Purpose.DOWNLOAD, token, now)
        if claims is not None:
            return claims, command_role("export", claims.get("fmt", ""))
        claims = self._pages.signer.verify(Purpose.FLOW_DOWNLOAD, token, now)
        if claims is not None:
            return claims, command_role("flow", "export")
        return None

    async def allowed(self, token: str, team_id: str, actor: Actor) -> bool:
        """Whether ``token`` is a live download token of ``team_id`` made for the person ``actor`` is, who may
        still run the command that made it."""
        found = self._claims(token)
        if found is None or not team_id or found[0].get("team") != team_id:
            return False
        claims, needed = found
        async with self._uow() as uow:
            user = await uow.users.get(team_id, claims.get("user", ""))
            same = await uow.users.by_identity(team_id, actor.platform, actor.platform_user_id)
        if user is None or same is None or same.id != user.id:
            return False
        return outranks(effective_role(user, actor, self._super_admins), needed)

    async def claim(self, token: str, team_id: str, actor: Actor) -> Download | None:
        """The export behind ``token``, rendered now, when ``allowed``; None otherwise."""
        if not await self.allowed(token, team_id, actor):
            return None
        return await self._pages.download(token)

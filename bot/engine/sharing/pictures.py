"""Flow diagrams behind signed links: what a chat card shows when it cannot carry the picture itself (Teams).

``diagram_link`` signs the team, the flow key and its version (``Purpose.DIAGRAM``, ``DIAGRAM_TTL``); the link names
no flow in clear. ``DiagramPictures.picture`` answers a token with the PNG, drawn again from that version as the
team sees it (its own flows and the public ones, nothing of another team), or None for anything wrong -- tampered,
expired, another purpose, a flow the team cannot see -- with no way to tell those apart. A flow's version never
changes once stored, so recent pictures are kept in a small cache: Teams' image proxy may fetch a picture more than
once, and drawing one takes a fraction of a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from bot.engine.ports import Clock, UnitOfWorkFactory
from bot.engine.sharing.signing import DIAGRAM_PATH, DIAGRAM_TTL, LinkSigner, Purpose
from bot.flows.diagram import render
from bot.flows.model import Flow

log = logging.getLogger(__name__)
CACHED = 32


@dataclass(frozen=True, slots=True)
class Picture:
    """A PNG to serve, and how long its link stays valid (seconds)."""

    filename: str
    png: bytes
    max_age: int


def diagram_link(signer: LinkSigner, team_id: str, flow: Flow, now: datetime) -> str:
    """The signed URL of ``flow``'s diagram as ``team_id`` sees it, valid for ``DIAGRAM_TTL``."""
    expires = now + DIAGRAM_TTL
    claims = {"team": team_id, "flow": flow.key, "v": str(flow.version), "until": str(int(expires.timestamp()))}
    return signer.url(DIAGRAM_PATH, signer.sign(Purpose.DIAGRAM, claims, expires))


class DiagramPictures:
    """Draws (or finds in its cache) the picture a diagram link names."""

    def __init__(self, uow_factory: UnitOfWorkFactory, signer: LinkSigner, clock: Clock) -> None:
        self._uow, self._signer, self._clock = uow_factory, signer, clock
        self._cache: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()

    async def picture(self, token: str) -> Picture | None:
        """The PNG behind a valid, unexpired diagram token of a flow its team can see; None otherwise."""
        now = self._clock.now()
        claims = self._signer.verify(Purpose.DIAGRAM, token, now)
        if claims is None or not claims.get("v", "").isdigit() or not claims.get("until", "").isdigit():
            return None
        team, key, version = claims.get("team", ""), claims.get("flow", ""), int(claims["v"])
        max_age = max(1, int(claims["until"]) - int(now.timestamp()))
        filename = f"{key}-v{version}.png"
        cached = self._cache.get((team, key, version))
        if cached is not None:
            self._cache.move_to_end((team, key, version))
            return Picture(filename, cached, max_age)
        async with self._uow() as uow:
            flow = await uow.flows.get(team, key, version) if team and key else None
        if flow is None or flow.key != key or flow.version != version:
            return None
        try:
            png, _ = await asyncio.to_thread(render, flow)
        except Exception:  # a picture is a help; the link answers "not found" like any other dead link
            log.exception("drawing the diagram of flow %s v%s for a link failed", key, version)
            return None
        self._cache[(team, key, version)] = png
        while len(self._cache) > CACHED:
            self._cache.popitem(last=False)
        return Picture(filename, png, max_age)

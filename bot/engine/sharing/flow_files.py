"""A flow version's YAML behind a signed download link: what ``flow export KEY [vN]`` hands a platform that cannot
upload the file where it was asked for (Teams channels and group chats: a link on the card) or that must ask first
(a Teams 1:1 chat: the file-consent card carries the link's token).

``flow_download_link`` signs the team, the person who asked and the flow's key and version (``Purpose.
FLOW_DOWNLOAD``, ``DOWNLOAD_TTL``; served at ``DOWNLOAD_PATH`` like a session export's link). ``flow_yaml`` makes the
YAML again from that stored version (a version never changes once stored, so it is the same file) as the team sees
it -- its own flows and the public ones, nothing of another team -- and only while the person is still in the team;
None otherwise, with no way to tell why.
"""

from __future__ import annotations

from datetime import datetime

from bot.engine.ports import UnitOfWork
from bot.engine.sharing.signing import DOWNLOAD_PATH, DOWNLOAD_TTL, LinkSigner, Purpose
from bot.flows.dump import dump_flow
from bot.flows.model import Flow

YAML_TYPE = "text/yaml"


def flow_filename(flow: Flow) -> str:
    """The exported file's name (``vpn-test.yaml``)."""
    return f"{flow.key}.yaml"


def flow_download_link(signer: LinkSigner, team_id: str, user_id: str, flow: Flow, now: datetime) -> str:
    """The signed URL of ``flow``'s YAML for ``user_id`` of ``team_id``, valid for ``DOWNLOAD_TTL``."""
    claims = {"team": team_id, "user": user_id, "flow": flow.key, "v": str(flow.version)}
    return signer.url(DOWNLOAD_PATH, signer.sign(Purpose.FLOW_DOWNLOAD, claims, now + DOWNLOAD_TTL))


async def flow_yaml(uow: UnitOfWork, claims: dict[str, str]) -> tuple[str, str] | None:
    """``(filename, yaml)`` of the flow version verified ``claims`` name, when its team still sees it and the person
    is still in the team; None otherwise."""
    team, user, key, version = (claims.get(k, "") for k in ("team", "user", "flow", "v"))
    if not (team and user and key and version.isdigit()):
        return None
    if await uow.users.get(team, user) is None:
        return None
    flow = await uow.flows.get(team, key, int(version))
    if flow is None or flow.key != key or flow.version != int(version):
        return None
    return flow_filename(flow), dump_flow(flow)

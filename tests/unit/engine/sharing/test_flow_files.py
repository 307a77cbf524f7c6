"""A flow version's YAML behind a signed download link (``flow export``): the link names team, person, flow and
version; the served file and the file-consent handover make the YAML again from that stored version, only for the
person it was made for, in their team, while it lives. A flow another team cannot see, another person, a tampered or
expired token, a session-export token passed off as a flow's: None, all alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.engine.engine import Engine
from bot.engine.replies import Attachment
from bot.engine.sharing.flow_files import YAML_TYPE, flow_download_link
from bot.engine.sharing.handover import ExportHandover, download_token
from bot.engine.sharing.pages import SharePages
from bot.engine.sharing.signing import DOWNLOAD_PATH, DOWNLOAD_TTL, LinkSigner, Purpose
from bot.flows.dump import dump_flow
from bot.flows.model import FlowStatus
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.conftest import VPN

BASE = "https://rf.example.com"
PRIVATE = replace(VPN, key="acme-vpn", name="Acme VPN")


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner.from_material("flow-files-test", BASE)


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, signer: LinkSigner) -> Engine:
    return Engine(db, clock, SequentialIds(), links=signer)


@pytest.fixture
def pages(db: MemoryDatabase, clock: FakeClock, signer: LinkSigner) -> SharePages:
    return SharePages(db, signer, clock)


@pytest.fixture
def handover(db: MemoryDatabase, clock: FakeClock, pages: SharePages) -> ExportHandover:
    return ExportHandover(pages, db, clock)


async def exported(chat: Chat, what: str) -> Attachment:
    await chat.say(f"/flow export {what}")
    (attachment,) = chat.attachments()
    return attachment


async def test_the_export_carries_a_link_that_makes_the_same_yaml_again(
    alice: Chat, pages: SharePages, handover: ExportHandover, signer: LinkSigner
) -> None:
    await alice.say("/help")
    attachment = await exported(alice, "vpn-test v1")
    assert (attachment.filename, attachment.mime_type, attachment.upload) == ("vpn-test.yaml", YAML_TYPE, True)
    token = download_token(attachment.download_url)
    assert attachment.download_url == BASE + DOWNLOAD_PATH + token
    claims = signer.verify(Purpose.FLOW_DOWNLOAD, token, alice.clock.now())
    assert claims is not None and (claims["team"], claims["flow"], claims["v"]) == (alice.team_id, "vpn-test", "1")
    assert signer.verify(Purpose.DOWNLOAD, token, alice.clock.now()) is None  # not a session export's token
    served = await pages.download(token)
    assert served is not None and (served.filename, served.mime_type) == ("vpn-test.yaml", YAML_TYPE)
    assert served.body == attachment.content == dump_flow(VPN)
    claimed = await handover.claim(token, alice.team_id, alice.actor)
    assert claimed == served and await handover.allowed(token, alice.team_id, alice.actor)
    assert handover.link(token) == attachment.download_url


async def test_only_its_person_in_its_team_while_it_lives(
    alice: Chat, bob: Chat, engine: Engine, handover: ExportHandover, clock: FakeClock
) -> None:
    await alice.say("/help")
    await bob.say("/help")  # a teammate (a viewer may export flows too: only the identity differs)
    token = download_token((await exported(alice, "vpn-test")).download_url)
    assert await handover.claim(token, alice.team_id, bob.actor) is None
    other = await engine.ensure_team("globex")
    carol = Chat(engine, other, clock, "alice", channel="C-B", thread="T-B")  # the same chat id in another team
    await carol.say("/help")
    assert await handover.claim(token, other, carol.actor) is None
    payload, mac = token.split(".")
    for forged in (f"{payload}.{mac[:-2]}AA", f"{payload[:-2]}AA.{mac}", token + "x", ""):
        assert await handover.claim(forged, alice.team_id, alice.actor) is None
    assert await handover.claim(token, alice.team_id, alice.actor) is not None
    clock.advance(minutes=15)
    assert await handover.claim(token, alice.team_id, alice.actor) is None


async def test_a_teams_own_flow_is_not_served_to_another_team_even_with_a_signed_token(
    alice: Chat, engine: Engine, db: MemoryDatabase, clock: FakeClock, signer: LinkSigner, pages: SharePages
) -> None:
    await alice.say("/help")
    async with db() as uow:
        await uow.flows.save(alice.team_id, PRIVATE, PRIVATE.key, FlowStatus.PUBLISHED)
        await uow.commit()
    token = download_token((await exported(alice, "acme-vpn")).download_url)
    assert (served := await pages.download(token)) is not None and "Acme VPN" in served.body
    other = await engine.ensure_team("globex")
    mallory = Chat(engine, other, clock, "mallory")
    await mallory.say("/help")
    async with db() as uow:
        user = await uow.users.by_identity(other, "test", "mallory")
    assert user is not None
    stolen = flow_download_link(signer, other, user.id, PRIVATE, clock.now())  # even signed by us: not theirs
    assert await pages.download(download_token(stolen)) is None
    ghost = flow_download_link(signer, alice.team_id, "no-such-user", PRIVATE, clock.now())
    assert await pages.download(download_token(ghost)) is None
    claims = {"team": alice.team_id, "user": "x", "flow": "acme-vpn", "v": "one"}
    bad = signer.sign(Purpose.FLOW_DOWNLOAD, claims, clock.now() + DOWNLOAD_TTL)
    assert await pages.download(bad) is None


async def test_nothing_serves_links_nothing_to_link(db: MemoryDatabase, clock: FakeClock, team_id: str) -> None:
    chat = Chat(Engine(db, clock, SequentialIds()), team_id, clock, "alice")
    attachment = await exported(chat, "vpn-test")
    assert attachment.download_url == "" and attachment.content == dump_flow(VPN)

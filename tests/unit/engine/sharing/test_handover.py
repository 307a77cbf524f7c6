"""Exports handed over after a platform asked the person (Teams' file-consent card): the export's download token is
honoured only for the person it was made for, in their team, while it lives; the export is rendered again then.
Another person, another team, a tampered or expired token: None, all alike."""

from __future__ import annotations

import pytest

from bot.engine.engine import Engine
from bot.engine.events import Actor
from bot.engine.replies import Attachment
from bot.engine.sharing.handover import ExportHandover, download_token
from bot.engine.sharing.pages import SharePages
from bot.engine.sharing.signing import DOWNLOAD_PATH, LinkSigner
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

BASE = "https://rf.example.com"
NOTE = "Jane (jane.doe@example.com) reaches the gateway again"


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner.from_material("handover-test", BASE)


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, signer: LinkSigner) -> Engine:
    return Engine(db, clock, SequentialIds(), links=signer)


@pytest.fixture
def handover(db: MemoryDatabase, clock: FakeClock, signer: LinkSigner) -> ExportHandover:
    return ExportHandover(SharePages(db, signer, clock), db, clock)


async def exported(chat: Chat, fmt: str = "md") -> str:
    await chat.say(f"/export {fmt}")
    (attachment,) = [r for r in chat.last if isinstance(r, Attachment)]
    token = download_token(attachment.download_url)
    assert token and handover_link(token) == attachment.download_url
    return token


def handover_link(token: str) -> str:
    return BASE + DOWNLOAD_PATH + token


async def test_the_person_who_exported_gets_the_document_rendered_again(
    alice: Chat, bob: Chat, handover: ExportHandover, db: MemoryDatabase
) -> None:
    await alice.say("/help")  # the team's admin
    await bob.say("/help")
    await alice.say("/start vpn-test")
    await alice.say(NOTE)
    token = await exported(alice)
    document = await handover.claim(token, alice.team_id, alice.actor)
    assert document is not None and document.filename.endswith(".md") and document.mime_type == "text/markdown"
    assert "reaches the gateway again" in document.body and "jane.doe@example.com" not in document.body  # redacted
    assert await handover.allowed(token, alice.team_id, alice.actor)
    assert handover.link(token) == handover_link(token)
    assert await handover.claim(token, alice.team_id, bob.actor) is None  # a teammate: not theirs
    assert not await handover.allowed(token, alice.team_id, bob.actor)
    stranger = Actor("test", "mallory", "Mallory")
    assert await handover.claim(token, alice.team_id, stranger) is None  # nobody of this team


async def test_another_team_a_tampered_or_an_expired_token_is_refused(
    alice: Chat, engine: Engine, handover: ExportHandover, clock: FakeClock
) -> None:
    await alice.say("/start vpn-test")
    token = await exported(alice, "txt")
    other = await engine.ensure_team("globex")
    carol = Chat(engine, other, clock, "alice", channel="C-B", thread="T-B")  # same chat id, another team
    await carol.say("/help")
    assert await handover.claim(token, other, carol.actor) is None
    assert await handover.claim(token, "", alice.actor) is None
    payload, mac = token.split(".")
    for forged in (f"{payload}.{mac[:-2]}AA", f"{payload[:-2]}AA.{mac}", token + "x", "", "a.b.c"):
        assert await handover.claim(forged, alice.team_id, alice.actor) is None
    assert await handover.claim(token, alice.team_id, alice.actor) is not None
    clock.advance(minutes=15)
    assert await handover.claim(token, alice.team_id, alice.actor) is None
    assert not await handover.allowed(token, alice.team_id, alice.actor)


@pytest.mark.parametrize(
    ("url", "token"),
    [
        (f"{BASE}/share/file/abc.def", "abc.def"),
        ("http://127.0.0.1:3000/share/file/abc.def", "abc.def"),
        (f"{BASE}/share/diagram/abc.def", ""),
        (f"{BASE}/share/file/", ""),
        (f"{BASE}/share/file/abc.def/x", ""),
        (f"{BASE}/share/file/abc.def?x=1", ""),
        ("", ""),
    ],
)
def test_download_token_reads_only_download_links(url: str, token: str) -> None:
    assert download_token(url) == token

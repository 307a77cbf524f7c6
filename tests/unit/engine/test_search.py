"""`search` in the engine (in-memory store, fake retrievers): filters, what is checked before a hit is shown, and the
flows-only fallback when the retriever fails."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine.commands.search import SESSION, Query, parse
from bot.engine.context import UserError
from bot.engine.copilot import Hit
from bot.engine.engine import Engine
from bot.engine.knowledge import SESSION_JOB, knowledge_of
from bot.engine.model import SessionStatus
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import UnitOfWork
from bot.flows.model import FlowStatus
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.conftest import MFA, VPN


class ScriptedRetriever:
    """A retriever answering every search with ``hits`` (or raising ``error``), recording the calls."""

    def __init__(self, hits: list[Hit] | None = None, error: Exception | None = None) -> None:
        self.hits, self.error = hits or [], error
        self.calls: list[tuple[str, str, tuple[str, ...], int]] = []

    async def search(
        self, team_id: str, query: str, kinds: tuple[str, ...] = ("flow", "session"), limit: int = 5
    ) -> list[Hit]:
        self.calls.append((team_id, query, kinds, limit))
        if self.error is not None:
            raise self.error
        return [h for h in self.hits if h.kind in kinds]

    async def match_flows(self, team_id: str, text: str, limit: int = 3) -> list[Hit]:
        return []


class RecordingKnowledge(ScriptedRetriever):
    """A knowledge index that records what it was asked to index."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: list[tuple[str | None, str, str]] = []

    async def enqueue(self, uow: UnitOfWork, team_id: str | None, kind: str, ref: str, at: object) -> None:
        self.queued.append((team_id, kind, ref))


def chat_with(retriever: object, db: MemoryDatabase, clock: FakeClock) -> tuple[Engine, PilotServices]:
    offline = OfflineCopilot(lambda team_id, key: _none())
    services = PilotServices(copilot=offline, offline=offline, retriever=retriever)  # type: ignore[arg-type]
    return Engine(db, clock, SequentialIds(), pilot=services), services


async def _none() -> None:
    return None


async def setup(retriever: object) -> tuple[Chat, MemoryDatabase]:
    db, clock = MemoryDatabase(), FakeClock()
    engine, _ = chat_with(retriever, db, clock)
    team = await engine.ensure_team("acme")
    async with db() as uow:
        for flow in (dataclasses.replace(VPN, tags=("network",)), MFA):
            await uow.flows.save(None, flow, flow.key, FlowStatus.PUBLISHED)
        await uow.commit()
    return Chat(engine, team, clock, "alice"), db


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("outlook not syncing", Query("outlook not syncing")),
        ("kind:flow vpn", Query("vpn", ("flow",))),
        ("vpn KIND:Sessions", Query("vpn", ("session",))),
        ("kind:flow kind:session vpn", Query("vpn")),
        ("tag:Network vpn tag:network", Query("vpn", ("flow",), ("network",))),
        ("error 0x80070005: C:\\temp http://x.example/a", Query("error 0x80070005: C:\\temp http://x.example/a")),
    ],
)
def test_parse(args: str, expected: Query) -> None:
    assert parse(args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("kind:ticket vpn", "`kind:ticket` isn't a kind I know"),
        ("kind: vpn", "`kind:` isn't a kind I know"),
        ("tag: vpn", "`tag:` needs a tag"),
        ("tag:network kind:session vpn", "can't be combined with `kind:session`"),
    ],
)
def test_bad_filters(args: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse(args)


async def test_a_failing_retriever_falls_back_to_the_flows() -> None:
    retriever = ScriptedRetriever(error=RuntimeError("database gone"))
    alice, _ = await setup(retriever)
    await alice.say("/search vpn tunnel")
    assert "VPN test" in alice.text() and "Past sessions can't be searched right now" in alice.text()
    assert retriever.calls  # it was tried first
    await alice.click("Start vpn-test")
    assert "Does the internet work" in alice.text()
    await alice.say("/search vpn tunnel kind:session")
    assert "Past sessions can't be searched right now. Try again" in alice.text()
    await alice.say("/search tag:network mfa")
    assert "No flow matches" in alice.text()


async def test_without_a_retriever_the_flows_are_searched() -> None:
    db, clock = MemoryDatabase(), FakeClock()
    engine = Engine(db, clock, SequentialIds())
    team = await engine.ensure_team("acme")
    async with db() as uow:
        await uow.flows.save(None, VPN, VPN.key, FlowStatus.PUBLISHED)
        await uow.commit()
    alice = Chat(engine, team, clock, "alice")
    await alice.say("/search vpn tunnel kind:flow")
    assert "VPN test" in alice.text() and "Past sessions" not in alice.text()


async def test_hits_are_checked_against_the_teams_records() -> None:
    retriever = ScriptedRetriever()
    alice, db = await setup(retriever)
    await alice.say("/start vpn-test #31 drops on 10.9.8.7")
    await alice.say("/resolve")
    await alice.submit(summary="Restarted the client.")
    (mine,) = [s for s in db.state.sessions.values() if s.status is SessionStatus.RESOLVED]
    retriever.hits = [
        Hit(SESSION, "someone-elses-session", "Payroll outage", "Payroll fixed.", 0.9),  # not in this team
        Hit(SESSION, mine.id, "VPN drops on 10.9.8.7", "Client on 10.9.8.7 restarted.", 0.8),
        Hit("flow", "retired-flow", "Retired", "Gone.", 0.7),  # no longer published
        Hit("flow", "vpn-test", "VPN test", "Tags: network", 0.6),
    ]
    await alice.say("/search vpn drops")
    shown = alice.text()
    assert "Payroll" not in shown and "Retired" not in shown
    assert "ticket #31" in shown and "resolved 2026-11-25" in shown and "`start vpn-test`" in shown
    assert "10.9.8.7" not in shown and "[REDACTED:ip]" in shown
    retriever.hits = retriever.hits[:1]
    await alice.say("/search payroll kind:session")
    assert "No past session matches “kind:session payroll”" in alice.text()


async def test_a_tag_filter_asks_for_more_hits_and_keeps_only_tagged_flows() -> None:
    retriever = ScriptedRetriever([Hit("flow", "mfa-test", "MFA test"), Hit("flow", "vpn-test", "VPN test")])
    alice, _ = await setup(retriever)
    await alice.say("/search tag:network test")
    assert "VPN test" in alice.text() and "MFA test" not in alice.text()
    assert retriever.calls[-1][2:] == (("flow",), 20)


async def test_resolving_queues_the_session_for_the_index() -> None:
    knowledge = RecordingKnowledge()
    alice, db = await setup(knowledge)
    await alice.say("/start vpn-test")
    assert knowledge.queued == []
    await alice.say("/resolve")
    await alice.submit(summary="Restarted the client.")
    (session,) = db.state.sessions.values()
    assert knowledge.queued == [(alice.team_id, SESSION_JOB, session.id)]
    assert knowledge_of(PilotServices(copilot=None, offline=None, retriever=ScriptedRetriever())) is None  # type: ignore[arg-type]

"""Two teams on one engine over the real SQL store: team A ("acme") with one of everything, team B ("globex") with
its admin, engineer and viewer. Team A's secrets are ``CANARIES``: texts no probe of team B ever sends, so any reply
to team B that holds one is a leak. ``snapshot`` reads every row of team A, for byte-for-byte comparison."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.engine.engine import Engine
from bot.engine.escalation.records import Escalation
from bot.engine.model import (
    Fact,
    FactSource,
    Role,
    Session,
    SessionStatus,
    SessionType,
    SuggestedFix,
    TaskLaneItem,
    TicketLink,
)
from bot.engine.pilot.records import FlowProposal
from bot.engine.pilot.services import PilotServices
from bot.engine.psa import PsaTicket
from bot.engine.sharing.signing import LinkSigner
from bot.flows.loader import dump_flow
from bot.flows.model import FlowStatus
from bot.jobs.scheduler_book import Schedules
from bot.pilot.offline import OfflineCopilot
from bot.store.database import Database
from bot.store.schedules import SqlSchedules
from bot.store.tables import Base
from tests.fakes.chat import Chat
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, SequentialIds
from tests.integration.knowledge_world import knowledge_over, resolve_vpn
from tests.unit.engine.conftest import MFA, ONBOARD, VPN
from tests.unit.engine.maintenance_world import PATCH

TICKET = 48213
A_FLOW = dataclasses.replace(VPN, key="acme-vault-vpn", name="Quetzal vault tunnel recovery")
CANARIES = (
    "Amira",  # team A's people
    "Arlo",
    "Quetzal vault",  # team A's own flow (name, and its YAML)
    "wombat-canary",  # session texts: problem, notes, lane, facts, fixes, escalation, proposal
    "Hollowmere",  # the ticket's summary and company
    "48213",  # the ticket number
)
PEOPLE_B = {"bruno": Role.TEAM_ADMIN, "bea": Role.ENGINEER, "bo": Role.VIEWER}


@dataclass
class World:
    """The engine, the two teams' ids, team A's object ids, and team B's people by role."""

    database: Database
    engine: Engine
    clock: FakeClock
    team_a: str
    team_b: str
    ids: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    b: dict[Role, Chat] = field(default_factory=dict)
    a_conversation: tuple[str, str] = ("C-A", "T-A")


async def build(database: Database) -> World:
    """Team A with one of everything, team B with its three people."""
    clock = FakeClock()
    ids = SequentialIds()
    knowledge = knowledge_over(database, None, clock)

    async def load_flow(team_id: str, key: str) -> Any:
        async with database.uow() as uow:
            return await uow.flows.get(team_id, key)

    offline = OfflineCopilot(load_flow)
    pilot = PilotServices(copilot=offline, offline=offline, retriever=knowledge)
    directory = MemoryPsaDirectory()
    book = Schedules(SqlSchedules(database.engine), clock.now, ids)
    signer = LinkSigner.from_material("isolation-test-material", "https://rf.example.com")
    engine = Engine(database.uow, clock, ids, psa=directory, pilot=pilot, schedules=book, links=signer)
    team_a, team_b = await engine.ensure_team("acme"), await engine.ensure_team("globex")
    directory.by_team[team_a] = MemoryPsa(tickets={TICKET: PsaTicket(TICKET, "Hollowmere vault offline", "Hollowmere")})
    directory.by_team[team_b] = MemoryPsa()
    w = World(database, engine, clock, team_a, team_b)
    async with database.uow() as uow:
        for flow in (VPN, MFA, ONBOARD, PATCH):
            await uow.flows.save(None, flow, dump_flow(flow), FlowStatus.PUBLISHED)
        await uow.flows.save(team_a, A_FLOW, dump_flow(A_FLOW), FlowStatus.PUBLISHED)
        await uow.settings.put(team_a, {"maintenance_board": "wombat-canary board"})
        await uow.commit()
    w.keys = {"flow": A_FLOW.key, "maintenance_flow": PATCH.key}

    amira = Chat(engine, team_a, clock, "amira", channel="C-A", thread="T-A")  # first: team A's admin
    arlo = Chat(engine, team_a, clock, "arlo", channel="C-A", thread="T-R")
    await amira.say("/help")
    # a resolved session of A, indexed for search
    await resolve_vpn(arlo, "48213", "wombat-canary certificate renewed on the Hollowmere vault", thread="T-R")
    while await knowledge.worker.drain_once():
        pass
    # the open guided session of A: a team flow, a ticket, notes, a share link, an escalation
    await amira.say(f"/start {A_FLOW.key} #{TICKET} wombat-canary vault tunnel drops")
    await amira.say("/note wombat-canary note: the vault tunnel drops at noon")
    await amira.say("/share")
    await amira.say("/share public")
    ops = Chat(engine, team_a, clock, "amira", channel="C-OPS", thread="")
    await ops.say(f"/schedule add {PATCH.key}")
    await ops.say(f"/schedule run {PATCH.key}")
    async with database.uow() as uow:
        user_a = await uow.users.by_identity(team_a, "test", "amira")
        assert user_a is not None
        guided = await uow.sessions.open_in_conversation(team_a, amira.conversation.key)
        assert guided is not None and guided.ticket is not None, amira.text()
        (link, *_) = await uow.shares.for_session(team_a, guided.id)
        (run,) = await uow.maintenance_runs.recent(team_a, 5)
        pilot_session, fix_id = await _pilot_session(uow, w, user_a.id, ids)
        escalation = Escalation(
            ids.new(), team_a, guided.id, user_a.id, "Amira", clock.now(), reason="wombat-canary escalation"
        )
        await uow.escalations.add(escalation)
        proposal = FlowProposal(
            ids.new(), team_a, "new_flow", "pending", "wombat-canary-flow", "Quetzal vault proposal",
            dump_flow(A_FLOW), clock.now(), description="wombat-canary proposal",
        )  # fmt: skip
        await uow.pilot.add_proposal(proposal)
        await uow.commit()
    schedule = await book.by_key(team_a, f"maintenance:{PATCH.key}")
    assert schedule is not None
    outbox = await _first_outbox_id(database, team_a)
    w.ids = {
        "session": guided.id,
        "pilot": pilot_session.id,
        "item": pilot_session.pending_task_lane[0].id,
        "fix": fix_id,
        "escalation": escalation.id,
        "proposal": proposal.id,
        "run": run.id,
        "schedule": schedule.id,
        "link": link.id,
        "outbox": outbox,
        "user": user_a.id,
    }
    w.keys["schedule"] = schedule.key
    w.versions = {guided.id: guided.state_version, run.id: run.version}
    for name, role in PEOPLE_B.items():
        chat = Chat(engine, team_b, clock, name, channel="C-B", thread="T-B")
        await chat.say("/help")
        w.b[role] = chat
    own = w.b[Role.TEAM_ADMIN]
    await own.say("/start vpn-test #7 probe session of team B")
    async with database.uow() as uow:
        b_session = await uow.sessions.open_in_conversation(team_b, own.conversation.key)
        assert b_session is not None, own.text()
        w.ids["b_session"] = b_session.id
        w.versions[b_session.id] = b_session.state_version
        for name, role in PEOPLE_B.items():
            user = await uow.users.by_identity(team_b, "test", name)
            assert user is not None
            user.role = role
            await uow.users.update(user)
        await uow.commit()
    return w


async def _pilot_session(uow: Any, w: World, engineer: str, ids: SequentialIds) -> tuple[Session, str]:
    """An open FlowPilot session of A with an open lane question, a fact and a proposed fix (through the ports)."""
    now, sid, item, fix = w.clock.now(), ids.new(), ids.new(), ids.new()
    lane = [TaskLaneItem(item, "question", "wombat-canary how many vaults?", options=["One", "Many"])]
    session = Session(
        id=sid,
        team_id=w.team_a,
        engineer_id=engineer,
        conversation={"platform": "test", "channel": "C-A", "thread": "T-P"},
        conversation_key="test:C-A:T-P",
        started_at=now,
        updated_at=now,
        session_type=SessionType.CHAT,
        status=SessionStatus.ACTIVE,
        title="wombat-canary pilot session",
        problem_summary="wombat-canary vault unreachable",
        ticket=TicketLink(TICKET, "Hollowmere vault offline", "Hollowmere"),
        pending_task_lane=lane,
    )
    await uow.sessions.add(session)
    await uow.sessions.add_fact(Fact(ids.new(), w.team_a, sid, "wombat-canary fact", FactSource.ENGINEER_NOTE, now))
    await uow.sessions.add_fix(SuggestedFix(fix, w.team_a, sid, "wombat-canary fix", now, confidence=70))
    return session, fix


async def _first_outbox_id(database: Database, team_id: str) -> str:
    table = Base.metadata.tables["outbox"]
    async with database.engine.connect() as conn:
        found = (await conn.execute(select(table.c.id).where(table.c.team_id == team_id))).scalars().first()
    return str(found or "")


async def snapshot(database: Database, team_id: str) -> dict[str, list[str]]:
    """Every row of ``team_id`` in every table (and the rows hanging off them), as sorted text."""
    tables = Base.metadata.tables
    out: dict[str, list[str]] = {}
    async with database.engine.connect() as conn:
        for name, table in tables.items():
            if name.startswith("slack_"):
                continue
            if "team_id" in table.c:
                stmt = select(table).where(table.c.team_id == team_id)
            elif name == "teams":
                stmt = select(table).where(table.c.id == team_id)
            elif name == "flow_versions":
                flows = tables["flows"]
                stmt = select(table).where(table.c.flow_id.in_(select(flows.c.id).where(flows.c.team_id == team_id)))
            elif name == "search_vectors":
                docs = tables["search_documents"]
                stmt = select(table).where(table.c.document_id.in_(select(docs.c.id).where(docs.c.team_id == team_id)))
            else:
                continue
            out[name] = sorted(repr(tuple(row)) for row in (await conn.execute(stmt)).all())
    return out


def leaks(text: str, sent: str = "") -> list[str]:
    """Team A's canaries in ``text`` that were not in what team B sent."""
    return [c for c in CANARIES if c.lower() in text.lower() and c.lower() not in sent.lower()]


def neighbour(an_id: str) -> str:
    """A guess next to a real id: its last hex digit moved by one."""
    if not an_id:
        return "0"
    last = an_id[-1]
    digits = "0123456789abcdef"
    nxt = digits[(digits.index(last.lower()) + 1) % 16] if last.lower() in digits else "0"
    return an_id[:-1] + nxt


def guesses(real: dict[str, str]) -> list[str]:
    """Guessed ids: the neighbours of team A's sessions, run and proposal, a made-up UUID and junk."""
    near = {neighbour(real[name]) for name in ("session", "pilot", "run", "proposal")}
    return [*sorted(near - set(real.values())), "00000000-0000-4000-8000-000000000001", "' OR 1=1 --"]

"""Engine fixtures: an engine over the in-memory store, a team, a few small flows, and chat helpers."""

from __future__ import annotations

import pytest

from bot.engine.engine import Engine
from bot.flows.model import (
    Command,
    Flow,
    FlowKind,
    FlowStatus,
    Node,
    NodeType,
    Option,
    Target,
    Variable,
    VerificationType,
)
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

N = NodeType

VPN = Flow(
    key="vpn-test",
    name="VPN test",
    kind=FlowKind.TROUBLESHOOTING,
    start="internet",
    keywords=("vpn", "tunnel"),
    nodes=(
        Node(
            "internet",
            N.DECISION,
            question="Does the internet work without the VPN?",
            options=(Option("Yes", "restart"), Option("No", "isp")),
        ),
        Node(
            "restart",
            N.ACTION,
            title="Restart the VPN client",
            instructions="Restart the client service.",
            commands=(Command("Restart-Service vpnagent", "Restart"),),
            next="works",
        ),
        Node(
            "works", N.DECISION, question="Does it connect now?", options=(Option("Yes", "fixed"), Option("No", "mfa"))
        ),
        Node("mfa", N.SUBFLOW, flow="mfa-test", next="escalate"),
        Node("escalate", N.SOLUTION, title="Escalate", resolution="Escalated to network team."),
        Node(
            "fixed",
            N.SOLUTION,
            title="Client restart",
            resolution="Restarted the VPN client service.",
            followups=("Update the VPN client",),
        ),
        Node("isp", N.SOLUTION, title="Local internet down", resolution="Customer ISP outage."),
    ),
)

MFA = Flow(
    key="mfa-test",
    name="MFA test",
    kind=FlowKind.TROUBLESHOOTING,
    start="reset",
    nodes=(
        Node("reset", N.ACTION, title="Reset MFA methods", instructions="Require re-registration.", next="done"),
        Node("done", N.SOLUTION, title="MFA re-registered", resolution="User re-registered MFA."),
    ),
)

ONBOARD = Flow(
    key="onboard-test",
    name="Onboarding test",
    kind=FlowKind.PROCEDURAL,
    variables=(Variable("username", "Username"), Variable("dept", "Department", required=False)),
    nodes=(
        Node("s1", N.SECTION_HEADER, title="Accounts"),
        Node(
            "create",
            N.PROCEDURE_STEP,
            title="Create [VAR:username]",
            instructions="New-ADUser [VAR:username]",
            verification_type=VerificationType.CHECKBOX,
            verification_prompt="Account created",
        ),
        Node(
            "licence",
            N.PROCEDURE_STEP,
            title="Record licence",
            verification_type=VerificationType.TEXT_INPUT,
            verification_prompt="Licence SKU assigned",
        ),
        Node("end", N.PROCEDURE_END, title="Done", instructions="Hand over to the manager."),
    ),
)

PATCH = Flow(
    key="patch-test",
    name="Patch test",
    kind=FlowKind.MAINTENANCE,
    schedule="0 22 * * 2",
    targets=(Target("FS01", "file server"), Target("DC01"), Target("APP01")),
    nodes=(
        Node("snap", N.PROCEDURE_STEP, title="Snapshot"),
        Node("install", N.PROCEDURE_STEP, title="Install updates"),
        Node("end", N.PROCEDURE_END, title="Run complete"),
    ),
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock) -> Engine:
    return Engine(db, clock, SequentialIds())


@pytest.fixture
async def team_id(engine: Engine, db: MemoryDatabase) -> str:
    team = await engine.ensure_team("acme")
    async with db() as uow:
        for flow in (VPN, MFA, ONBOARD, PATCH):
            await uow.flows.save(None, flow, flow.key, FlowStatus.PUBLISHED)
        await uow.commit()
    return team


@pytest.fixture
def alice(engine: Engine, team_id: str, clock: FakeClock) -> Chat:
    return Chat(engine, team_id, clock, "alice")


@pytest.fixture
def bob(engine: Engine, team_id: str, clock: FakeClock) -> Chat:
    return Chat(engine, team_id, clock, "bob")

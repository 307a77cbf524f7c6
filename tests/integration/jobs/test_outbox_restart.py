"""A worker killed mid-delivery (the note reached ConnectWise, the answer never came back) and another worker taking
over when the lease ends: the note is on the ticket exactly once. Real database, real ConnectWise client, fake CW."""

from __future__ import annotations

import asyncio

from bot.app.psa import ConnectedPsas
from bot.engine.engine import Engine
from bot.engine.psa import PsaCredentials
from bot.engine.system import SystemClock, UuidIds
from bot.flows.loader import dump_flow
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType
from bot.jobs.outbox import OutboxWorker, RetryPolicy
from bot.psa.connectwise.client import ConnectWiseClient
from bot.store.database import Database
from tests.fakes.chat import Chat
from tests.fakes.connectwise_api import FakeConnectWise

FLOW = Flow(key="fix", name="Fix", kind=FlowKind.PROCEDURAL, nodes=(
    Node("s1", NodeType.PROCEDURE_STEP, title="Apply the fix", instructions="Do it."),
    Node("end", NodeType.PROCEDURE_END, title="Done")))  # fmt: skip


def client(credentials: PsaCredentials) -> ConnectWiseClient:
    return ConnectWiseClient(credentials, timeout=5.0, backoff_base=0.01, backoff_cap=0.02)


async def test_a_worker_killed_mid_delivery_never_causes_a_second_note(database: Database) -> None:
    async with FakeConnectWise() as cw:
        cw.add_ticket(777, "Printer offline")
        psa = ConnectedPsas(None, client, cw.credentials())
        engine = Engine(database.uow, SystemClock(), UuidIds(), psa=psa)
        team = await engine.ensure_team("acme")
        async with database.uow() as uow:
            await uow.flows.save(None, FLOW, dump_flow(FLOW), FlowStatus.PUBLISHED)
            await uow.commit()
        chat = Chat(engine, team, SystemClock(), "alice")  # type: ignore[arg-type]
        await chat.say("/start fix #777")
        await chat.say("/resolve")
        await chat.submit(summary="Cleared the spooler.")

        policy = RetryPolicy(lease_seconds=0.5, base_seconds=0.05)
        cw.stall_next("/notes", 30.0)  # the first note is stored, its answer held back
        first = OutboxWorker(database.uow, psa, SystemClock(), lambda: None, policy=policy, batch=1)
        doomed = asyncio.create_task(first.drain_once())
        while len(cw.notes_on(777)) < 1:  # noqa: ASYNC110 - polling the fake's record
            await asyncio.sleep(0.01)
        doomed.cancel()  # the process dies: nothing is marked, the claim's lease is all that is left
        await asyncio.gather(doomed, return_exceptions=True)
        cw.release_stalls()

        await asyncio.sleep(0.6)  # the lease ends
        second = OutboxWorker(database.uow, psa, SystemClock(), lambda: None, policy=policy)
        while await second.drain_once():
            pass
        notes = cw.notes_on(777)
        assert len(notes) == 2, [n["text"][:40] for n in notes]  # resolution note once + documentation once
        assert sum(1 for n in notes if n.get("resolutionFlag")) == 1
        async with database.uow() as uow:
            assert await uow.outbox.pending() == []
        await psa.close()

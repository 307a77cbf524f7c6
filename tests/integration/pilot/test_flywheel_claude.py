"""The knowledge flywheel with Claude (the loopback fake of the Messages API): Claude's draft replaces the template
when it validates, the template stays when it does not, and nothing unredacted is sent."""

from __future__ import annotations

from typing import Any

from bot.engine.events import Actor, ConversationRef, PilotJob, PilotWork
from bot.engine.flywheel.run import FlywheelRunner
from bot.engine.pilot.services import PilotServices
from bot.pilot import schema
from bot.pilot.claude import ClaudeCopilot
from bot.pilot.offline import OfflineCopilot
from tests.fakes.anthropic_api import FakeAnthropic, Reply
from tests.fakes.anthropic_wire import last_user_text
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.integration.pilot.support import DEEP
from tests.unit.engine.flywheel_world import add_printer_flow, load_world

VPN_FLOW = """key: vpn-certificate-expired
name: VPN certificate expired
kind: troubleshooting
version: 1
status: draft
category: Remote access
start: error-kind
nodes:
  - id: error-kind
    type: decision
    question: Does AnyConnect report a certificate error?
    options:
      - {label: "Yes", next: check-cert}
      - {label: "No", next: other}
  - id: check-cert
    type: action
    title: Check the user's VPN certificate
    instructions: List the certificates in the user store and look at the VPN certificate's expiry date.
    commands:
      - {label: User certificates, language: powershell, code: "Get-ChildItem Cert:\\\\CurrentUser\\\\My"}
    next: renew
  - id: renew
    type: action
    title: Renew the VPN client certificate
    instructions: Request a new user certificate from the CA, then reconnect.
    next: renewed
  - id: renewed
    type: solution
    title: Certificate renewed
    resolution: The VPN client certificate had expired; it was renewed and the VPN connects.
  - id: other
    type: solution
    title: Not a certificate problem
    resolution: Use the VPN won't connect flow.
"""
SECRETS = ("203.0.113.7", "jane.doe@example.com", "abcdefghijklmnopqrstuvwxyz0123456789")


def responder(body: dict[str, Any]) -> Reply:
    text = last_user_text(body)
    if "Proposal: new_flow" in text:
        return Reply.tool(schema.FLOW_TOOL, {"yaml": VPN_FLOW})
    return Reply.tool(schema.FLOW_TOOL, {"yaml": "key: printer-offline\nname: Broken\nkind: troubleshooting\n"})


async def test_claude_drafts_the_new_flow_and_a_bad_branch_draft_leaves_the_template(
    fake: FakeAnthropic, copilot: ClaudeCopilot
) -> None:
    fake.responder = responder
    db, clock = MemoryDatabase(), FakeClock()
    async with db() as uow:
        await add_printer_flow(uow)
        await load_world(uow, "team-1", clock.now())
        await uow.commit()
    services = PilotServices(copilot, OfflineCopilot())
    work = PilotWork(
        team_id="team-1",
        actor=Actor("test", "alice", "Alice"),
        conversation=ConversationRef("test", "C1", "T1"),
        at=clock.now(),
        event_id="run-1",
        session_id="",
        job=PilotJob.FLYWHEEL,
        seq=0,
        arg="manual",
    )
    await FlywheelRunner(db, clock, SequentialIds(), services).run(work, None)

    found = {p.proposal_type: p for p in db.state.proposals}
    vpn, printer = found["new_flow"], found["branch_addition"]
    assert (vpn.tier, vpn.flow_key, vpn.name, vpn.source) == (
        "claude",
        "vpn-certificate-expired",
        "VPN certificate expired",
        VPN_FLOW,
    )
    assert vpn.evidence["count"] == 3  # the evidence is the flywheel's, whoever drafted
    assert printer.tier == "offline" and "flywheel-1" in printer.source  # the template stayed
    assert len(fake.requests) == 3  # the new flow, the branch, and the branch's one repair
    request = fake.requests[0]
    assert request["model"] == DEEP and request["tool_choice"] == {"type": "tool", "name": schema.FLOW_TOOL}
    assert "knowledge flywheel" in fake.last_system_text()
    assert not any(secret in fake.all_sent_text() for secret in SECRETS)

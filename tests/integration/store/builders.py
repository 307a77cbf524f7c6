"""Domain objects for the store tests, and a seed of two teams with a session in team A."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine.model import (
    ConfidenceTier,
    FlowFrame,
    IntakeType,
    Role,
    Session,
    SessionStatus,
    SessionType,
    TaskLaneItem,
    Team,
    TicketLink,
    TimelineEntry,
    TimelineKind,
    User,
)
from bot.flows.model import Flow, FlowKind, Node, NodeType, Option
from bot.store.database import Database

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
TEAM_A, TEAM_B = "team-a", "team-b"
ALICE, BOB = "user-a", "user-b"
SESSION = "s-1"


def flow(name: str = "Demo", key: str = "demo") -> Flow:
    """A small troubleshooting flow."""
    return Flow(
        key=key,
        name=name,
        kind=FlowKind.TROUBLESHOOTING,
        start="q",
        nodes=(
            Node("q", NodeType.DECISION, question="Works?", options=(Option("Yes", "ok"), Option("No", "bad"))),
            Node("ok", NodeType.SOLUTION, resolution="Fine."),
            Node("bad", NodeType.SOLUTION, resolution="Fixed."),
        ),
    )


def session(sid: str = SESSION, team: str = TEAM_A, engineer: str = ALICE, **changes: object) -> Session:
    """A session with every field away from its default, so a lossy mapping shows."""
    s = Session(
        id=sid,
        team_id=team,
        engineer_id=engineer,
        conversation={"platform": "slack", "channel": "C1", "thread": "T1"},
        conversation_key="slack:C1:T1",
        started_at=NOW,
        updated_at=NOW,
        session_type=SessionType.CHAT,
        status=SessionStatus.ACTIVE,
        intake_type=IntakeType.PSA_TICKET,
        title="VPN won't connect",
        problem_summary="x" * 1000,
        flow_key="demo",
        flow_version=3,
        current_node="q",
        flow_stack=[FlowFrame("parent", 2, "back")],
        history=["start", "q0"],
        variables={"user": "jdoe"},
        target_index=1,
        targets_done=["srv-1"],
        custom_step="Check the cable",
        ticket=TicketLink("12345", "VPN down", "Contoso"),
        state_version=0,
        step_count=4,
        ended_at=NOW + timedelta(hours=1),
        resolution_summary="Reinstalled the client",
        followups=["Watch it"],
        client_name="Contoso",
        asset_name="LT-042",
        issue_category="network",
        triage_hypothesis="Stale certificate",
        evidence_items=["screenshot"],
        problem_domain="vpn",
        match_score=0.75,
        confidence_tier=ConfidenceTier.GUIDED,
        confidence=0.9,
        pending_task_lane=[TaskLaneItem("item-1", "question", "Which client?", ["A", "B"])],
        escalation_reason="Needs tier 2",
        escalation_target="network-team",
        resolution_note_external_id="cw-1",
        resolution_note_posted_at=NOW,
        escalation_package_external_id="cw-2",
        escalation_package_posted_at=NOW,
    )
    for name, value in changes.items():
        setattr(s, name, value)
    return s


def entry(n: int, sid: str = SESSION, team: str = TEAM_A) -> TimelineEntry:
    """Timeline entry number ``n`` (its id and answer carry ``n``)."""
    return TimelineEntry(
        f"e{n}",
        team,
        sid,
        NOW + timedelta(seconds=n),
        TimelineKind.NOTE,
        ALICE,
        "Alice",
        answer=str(n),
        detail={"n": n},
    )


async def seed(db: Database) -> None:
    """Teams A and B, Alice in A and Bob in B, and session ``s-1`` of Alice's in team A."""
    async with db.uow() as uow:
        await uow.teams.add(Team(TEAM_A, "A", NOW))
        await uow.teams.add(Team(TEAM_B, "B", NOW))
        await uow.users.add(
            User(
                ALICE, TEAM_A, "Alice", Role.ENGINEER, "alice@example.invalid", {"slack": "U1", "console": "alice"}, NOW
            )
        )
        await uow.users.add(User(BOB, TEAM_B, "Bob", Role.ENGINEER, identities={"slack": "U1"}, created_at=NOW))
        await uow.sessions.add(session())
        await uow.commit()

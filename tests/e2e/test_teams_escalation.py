"""Escalation and handoff end to end in Teams: the same engine behind Adaptive Cards. Dana (the team admin) names
the escalations channel, escalates her session to Pat: one internal note on ticket #12345, the notice with Claim in
the escalations channel, and a 1:1 message to Pat with Claim. Dana cannot claim her own escalation; Pat claims, and
Dana is told in her 1:1 chat; the notice then says Pat claimed it.

On a fake clock (moved by the test; fires recorded by the real scheduler and delivered by the worker): an unclaimed
escalation is announced again after the team's window -- a fresh notice, Pat's 1:1 message again, a line in the
thread, and a 1:1 message widening to Sam, the first on the escalation list; Pat claims, Sam's late claim is told
Pat won, and moving the clock on brings no more re-pings. `park` is a private pause: the session pauses, Dana alone
is told, and nobody is notified, then or later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.engine.model import SessionStatus
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import Teams, actions_in, click, teams_session, text_of, wait_sent, wait_updated
from tests.fakes.entra import TENANT_ID
from tests.fakes.memory_store import FakeClock
from tests.fakes.teams_roster import DANA, ESCALATIONS, PAT, TEAM_ID, TeamsUser

REASON = "The tunnel drops again right after the client restart"
SAM = TeamsUser("29:1sam-ops", "Sam Ops", "5b4a3928-1706-4e5d-8c4b-3a2918070605", "sam@contoso.example")
Json = dict[str, Any]


@dataclass
class Escalated:
    """What escalating Dana's session left: the notice, Pat's 1:1 message, the thread and its announcement."""

    notice: Json
    direct: Json
    thread: str
    announcement: Json


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))  # moves only when a test moves it


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch, connectwise=True, clock=clock) as session:
        session.connector.add_user(SAM)
        session.connector.teams[TEAM_ID].members.append(SAM.id)
        yield session


def chat_of(teams: Teams, user: TeamsUser) -> str:
    """The bot's 1:1 chat with ``user``."""
    return teams.connector.personal_conversation_id(user.id)


async def introduce(teams: Teams, *users: TeamsUser) -> None:
    """Dana names the escalations channel; ``users`` say hello to the bot in their 1:1 chats (so it knows them)."""
    await teams.user.channel_message("admin escalation-channel here", channel=ESCALATIONS)
    await wait_sent(teams, lambda a: "Escalations are announced in" in text_of(a), "the channel set")
    for person in users:
        await teams.user.personal_message("help", person)
        await wait_sent(teams, lambda a: "ResolutionFlow commands" in text_of(a), "help", chat_of(teams, person))


async def start_session(teams: Teams) -> tuple[str, str]:
    """Dana starts a guided session on ticket #12345; returns its root message id and thread id."""
    await teams.user.channel_message("start vpn-wont-connect #12345")
    root = teams.user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", thread)
    return root, thread


async def escalate_to_pat(teams: Teams) -> Escalated:
    """Dana escalates her new session to Pat; waits for the notice, Pat's message and the thread's announcement."""
    root, thread = await start_session(teams)
    await teams.user.channel_message(f"escalate @Pat Lead {REASON}", thread=root)
    notice = await wait_sent(teams, lambda a: "Claim" in actions_in(a), "the notice", ESCALATIONS)
    direct = await wait_sent(teams, lambda a: "Claim" in actions_in(a), "Pat's 1:1 message", chat_of(teams, PAT))
    announcement = await wait_sent(teams, lambda a: "Escalated" in text_of(a), "the thread's announcement", thread)
    return Escalated(notice, direct, thread, announcement)


async def team_id(teams: Teams) -> str:
    async with teams.app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{TENANT_ID}")
    assert team is not None
    return team.id


async def test_escalate_to_pat_who_claims_it(teams: Teams) -> None:
    connector, cw = teams.connector, teams.cw
    assert cw is not None
    await introduce(teams, PAT)
    escalated = await escalate_to_pat(teams)
    notice = escalated.notice
    assert REASON in text_of(notice) and "<at>Pat Lead</at>" in text_of(notice)
    assert "Dana Tech escalated" in text_of(escalated.direct)

    async def one_note() -> bool:
        return len(cw.notes_on(12345)) == 1

    await eventually(one_note, "the package on the ticket")
    assert cw.notes_on(12345)[0]["internalAnalysisFlag"]

    await click(teams, escalated.announcement, "Claim", DANA)
    await wait_sent(teams, lambda a: "can't claim your own escalation" in text_of(a), "the self-claim refusal")
    await click(teams, notice, "Claim", PAT)
    await wait_sent(
        teams,
        lambda a: "Pat Lead claimed your escalation" in text_of(a),
        "Dana told",
        connector.personal_conversation_id(DANA.id),
    )
    await wait_updated(teams, notice["id"], lambda u: "Claimed by Pat Lead" in text_of(u), "the notice, claimed")
    await wait_sent(teams, lambda a: "How do you want to pick it up?" in text_of(a), "Pat's choices")


async def test_an_unclaimed_escalation_is_pinged_again_until_pat_claims_it_and_sam_is_told_he_is_late(
    teams: Teams, clock: FakeClock
) -> None:
    connector = teams.connector
    await introduce(teams, PAT, SAM)
    async with teams.app.database.uow() as uow:
        sam = await uow.users.by_identity(await team_id(teams), "teams", SAM.id)
        assert sam is not None
        await uow.settings.put(sam.team_id, {"escalation_list": [sam.id]})  # the default window: 15 minutes
        await uow.commit()
    escalated = await escalate_to_pat(teams)

    def notices() -> list[Json]:
        return [a for a in connector.sent(ESCALATIONS) if "Claim" in actions_in(a)]

    def waiting(user: TeamsUser) -> list[Json]:
        return [a for a in connector.sent(chat_of(teams, user)) if "still waiting for someone" in text_of(a)]

    clock.advance(minutes=16)
    await teams.bot.fire_due()
    first, again = notices()
    assert first["id"] == escalated.notice["id"] and "<at>Pat Lead</at>" in text_of(again)
    assert "Still unclaimed after 16 min (reminder 1)" in text_of(again)
    (to_pat,) = waiting(PAT)
    (to_sam,) = waiting(SAM)
    assert "Claim" in actions_in(to_pat) and "Claim" in actions_in(to_sam)
    assert [a for a in connector.sent(escalated.thread) if "reminder 1" in text_of(a)], "a line in the thread"

    await click(teams, again, "Claim", PAT)
    claimed = "Pat Lead claimed your escalation"
    await wait_sent(teams, lambda a: claimed in text_of(a), "Dana told", chat_of(teams, DANA))
    await click(teams, to_sam, "Claim", SAM)  # Sam's click on his message as it was drawn, after Pat won
    await wait_sent(teams, lambda a: "Already claimed by Pat Lead at" in text_of(a), "Sam told", chat_of(teams, SAM))

    sent = len(connector.sent())
    clock.advance(minutes=16)
    await teams.bot.fire_due()
    assert len(connector.sent()) == sent and len(notices()) == 2, "no re-ping once claimed"


async def test_park_is_a_private_pause_nobody_is_notified_of(teams: Teams, clock: FakeClock) -> None:
    connector = teams.connector
    await introduce(teams, PAT)
    root, thread = await start_session(teams)
    before = len(connector.sent())
    await teams.user.channel_message("park waiting for the vendor's callback", thread=root)
    told = await wait_sent(teams, lambda a: "Parked privately" in text_of(a), "Dana told", thread)
    assert "waiting for the vendor's callback" in text_of(told) and "<at>Dana Tech</at>" in text_of(told)

    async with teams.app.database.uow() as uow:
        dana = await uow.users.by_identity(await team_id(teams), "teams", DANA.id)
        assert dana is not None
        (session,) = await uow.sessions.for_engineer(dana.team_id, dana.id, list(SessionStatus))
    assert session.status is SessionStatus.PAUSED
    clock.advance(hours=1)
    await teams.bot.fire_due()
    assert connector.sent()[before:] == [told], "nobody else heard of it: no notice, no 1:1 message, then or later"
    assert teams.app.schedules is not None
    assert not await teams.app.schedules.list(session.team_id, "escalation_reminder")

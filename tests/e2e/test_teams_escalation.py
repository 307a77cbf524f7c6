"""Escalation and handoff end to end in Teams: the same engine behind Adaptive Cards. Dana (the team admin) names
the escalations channel, escalates her session to Pat: one internal note on ticket #12345, the notice with Claim in
the escalations channel, and a 1:1 message to Pat with Claim. Dana cannot claim her own escalation; Pat claims, and
Dana is told in her 1:1 chat; the notice then says Pat claimed it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import Teams, actions_in, click, teams_session, text_of, wait_sent, wait_updated
from tests.fakes.teams_roster import DANA, ESCALATIONS, PAT, TEAM_ID

REASON = "The tunnel drops again right after the client restart"


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch, connectwise=True) as session:
        yield session


async def test_escalate_to_pat_who_claims_it(teams: Teams) -> None:
    user, connector, cw = teams.user, teams.connector, teams.cw
    assert cw is not None
    await user.channel_message("admin escalation-channel here", channel=ESCALATIONS)
    await wait_sent(teams, lambda a: "Escalations are announced in" in text_of(a), "the channel set")
    await user.personal_message("help", PAT)
    await wait_sent(teams, lambda a: "ResolutionFlow commands" in text_of(a), "Pat's help")

    await user.channel_message("start vpn-wont-connect #12345")
    root = user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", thread)
    await user.channel_message(f"escalate @Pat Lead {REASON}", thread=root)

    notice = await wait_sent(teams, lambda a: "Claim" in actions_in(a), "the notice", ESCALATIONS)
    assert REASON in text_of(notice) and "<at>Pat Lead</at>" in text_of(notice)
    pat_chat = connector.personal_conversation_id(PAT.id)
    direct = await wait_sent(teams, lambda a: "Claim" in actions_in(a), "Pat's 1:1 message", pat_chat)
    assert "Dana Tech escalated" in text_of(direct)
    announcement = await wait_sent(teams, lambda a: "Escalated" in text_of(a), "the thread's announcement", thread)

    async def one_note() -> bool:
        return len(cw.notes_on(12345)) == 1

    await eventually(one_note, "the package on the ticket")
    assert cw.notes_on(12345)[0]["internalAnalysisFlag"]

    await click(teams, announcement, "Claim", DANA)
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

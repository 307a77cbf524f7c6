"""Escalation and handoff end to end in Slack: the real served app, ConnectWise at its loopback fake, four people in
the workspace. Alice (the team admin) names the escalation channel, runs a guided session on ticket #12345 and
escalates it to Lee with a reason: one internal note lands on the ticket (its note id kept as the session's
escalation package external id), the notice with Claim is in the escalation channel @mentioning Lee, and Lee has a
DM with Claim. Alice cannot claim her own escalation and Vic (a viewer) cannot claim at all; Lee claims, Alice is
told in a DM, Dana's late claim is told Lee won, Lee continues where Alice left off, and Lee's first step is counted
by `/rf stats escalations`.

Re-pings run on a fake clock through the real scheduler path (the reminder stored with the escalation, fired by the
leader when the clock has passed the team's window, handled by the worker, delivered to Slack): with a 10-minute
window and an escalation list, nothing happens at 9 minutes; at 11 a fresh notice with Claim in the escalation
channel, Lee's DM again, a line in the session's thread and a DM widening to the first listed member (Dana); the
next re-ping widens to the next one (Sam); once Lee claims, moving the clock on brings no more re-pings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.engine.model import Role, Session, SessionStatus
from tests.e2e.slack_server import SIGNING_SECRET, RunningBot, running_bot
from tests.e2e.slack_transcript import WAIT_S, blocks_of, eventually, text_of, wait_post
from tests.fakes.connectwise_api import FakeConnectWise
from tests.fakes.memory_store import FakeClock
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver, buttons_in, find_button

CHANNEL, ESCALATIONS = "C1", "C9"
ALICE, LEE, DANA, VIC, SAM = "U1", "U2", "U3", "U4", "U5"
TICKET = 12345
REASON = "The tunnel drops again right after the client restart"


@dataclass
class Rig:
    api: FakeSlackApi
    cw: FakeConnectWise
    bot: RunningBot
    slack: SlackDriver
    clock: FakeClock

    async def told(self, user: str, words: str) -> dict[str, Any]:
        """The ephemeral message to ``user`` containing ``words`` (waits for it)."""
        call = await self.api.wait_for(
            lambda c: (
                c.path.endswith("chat.postEphemeral")
                and c.data.get("user") == user
                and words in json.dumps(c.data, ensure_ascii=False)
            ),
            WAIT_S,
        )
        return dict(call.data)

    async def click(self, user: str, message: dict[str, Any], label: str, *, thread: str | None = None) -> None:
        """``user`` clicks ``label`` on ``message`` as it was drawn (``message``: posted or ephemeral parameters)."""
        button = find_button(blocks_of(message), label)
        channel = str(message.get("channel"))
        ts = str(message.get("ts") or message.get("message_ts"))
        reply = await self.slack.block_action(
            button["action_id"], button["value"], user_id=user, channel_id=channel, message_ts=ts, thread_ts=thread
        )
        assert reply.status == 200, reply

    async def user_id(self, slack_user: str) -> str:
        """The bot's user id of a Slack user who has used the bot."""
        async with self.bot.app.database.uow() as uow:
            team = await uow.teams.get_by_name("slack:T1")
            user = await uow.users.by_identity(team.id, "slack", slack_user) if team is not None else None
        assert user is not None, slack_user
        return user.id

    async def session(self) -> Session:
        """The session, now Lee's."""
        async with self.bot.app.database.uow() as uow:
            team = await uow.teams.get_by_name("slack:T1")
            lee = await uow.users.by_identity(team.id, "slack", LEE) if team is not None else None
            assert team is not None and lee is not None
            (found,) = await uow.sessions.for_engineer(team.id, lee.id, list(SessionStatus))
        return found


@pytest.fixture
async def rig(migrated_url: str) -> AsyncIterator[Rig]:
    async with FakeSlackApi() as api, FakeConnectWise() as cw:
        people = ((ALICE, "Alice Ng"), (LEE, "Lee Park"), (DANA, "Dana Cho"), (VIC, "Vic Stone"), (SAM, "Sam Roy"))
        for user, name in people:
            api.add_user("T1", user, name, f"{name.split()[0].lower()}@example.invalid")
        cw.add_ticket(TICKET, "VPN drops every hour for the whole office")
        cw.add_member(7, "alng", "Alice", "Ng", email="alice@example.invalid")
        creds = cw.credentials()
        env = {
            "cw_site_url": creds.site_url,
            "cw_company_id": creds.company_id,
            "cw_public_key": creds.public_key,
            "cw_private_key": creds.private_key,
            "cw_client_id": creds.client_id,
        }
        clock = FakeClock(datetime.now(UTC))  # moves only when a test moves it
        async with (
            running_bot(migrated_url, api.base_url, clock=clock, **env) as bot,
            SlackDriver(bot.url, SIGNING_SECRET, api) as slack,
        ):
            yield Rig(api, cw, bot, slack, clock)


async def test_escalate_to_a_lead_who_claims_it_while_a_late_claimer_is_told_who_won(rig: Rig) -> None:
    api, cw, slack = rig.api, rig.cw, rig.slack
    await slack.slash_command("admin escalation-channel here", user_id=ALICE, channel_id=ESCALATIONS)
    await rig.told(ALICE, f"Escalations are announced in #{ESCALATIONS}")
    for user in (LEE, DANA, VIC):
        await slack.slash_command("help", user_id=user, channel_id=f"D{user[1:]}")
        await rig.told(user, "ResolutionFlow commands")
    async with rig.bot.app.database.uow() as uow:  # Vic is made a viewer (read-only)
        team = await uow.teams.get_by_name("slack:T1")
        assert team is not None
        vic = await uow.users.by_identity(team.id, "slack", VIC)
        assert vic is not None
        vic.role = Role.VIEWER
        await uow.users.update(vic)
        await uow.commit()

    await slack.slash_command(f"start vpn-wont-connect #{TICKET}", user_id=ALICE, channel_id=CHANNEL)
    card = await wait_post(api, lambda d: d.get("channel") == CHANNEL and not d.get("thread_ts"))
    thread = next(m["ts"] for m in api.posted(channel=CHANNEL) if not m.get("thread_ts"))
    assert "VPN will not connect" in text_of(card)
    step = await wait_post(api, lambda d: d.get("thread_ts") == thread and "Escalate" in text_of(d))
    step_ts = next(m["ts"] for m in api.posted(channel=CHANNEL, thread_ts=thread) if "Escalate" in text_of(m))
    assert [b["text"] for b in buttons_in(blocks_of(step))][-3:] == ["Pause", "Escalate", "Abandon"]

    await slack.slash_command(f"escalate <@{LEE}> {REASON}", user_id=ALICE, channel_id=CHANNEL)
    notice = await wait_post(api, lambda d: d.get("channel") == ESCALATIONS and "Claim" in text_of(d))
    notice = next(m for m in api.posted(channel=ESCALATIONS) if "Claim" in text_of(m))
    assert f"<@{LEE}> Alice Ng escalated this to you" in text_of(notice) and REASON in text_of(notice)
    assert not notice.get("thread_ts")
    dm = await wait_post(api, lambda d: d.get("channel") == "D2")
    assert "Alice Ng escalated" in text_of(dm) and find_button(blocks_of(dm), "Claim")
    announcement = next(m for m in api.posted(channel=CHANNEL, thread_ts=thread) if "Escalated" in text_of(m))

    async def one_note() -> bool:
        return len(cw.notes_on(TICKET)) == 1

    await eventually(one_note, "the escalation package on the ticket")
    (note,) = cw.notes_on(TICKET)
    assert note["internalAnalysisFlag"] and not note["resolutionFlag"]
    assert note["text"].startswith(f"Escalated by Alice Ng to Lee Park: {REASON}")
    assert "What we've confirmed" in note["text"] and "Suggested next steps" in note["text"]

    await rig.click(ALICE, announcement, "Claim", thread=thread)  # her own escalation
    await rig.told(ALICE, "can't claim your own escalation")
    await rig.click(VIC, notice, "Claim")
    await rig.told(VIC, "Viewers can read flows and sessions")

    await rig.click(LEE, notice, "Claim")
    told = await wait_post(api, lambda d: d.get("channel") == "D1")
    assert "Lee Park claimed your escalation" in text_of(told)
    choices = await rig.told(LEE, "How do you want to pick it up?")
    assert choices["channel"] == ESCALATIONS and not choices.get("thread_ts")

    async def notice_claimed() -> bool:
        current = api.message(ESCALATIONS, notice["ts"]) or {}
        return "Claimed by Lee Park" in text_of(current) and not buttons_in(blocks_of(current))

    await eventually(notice_claimed, "the notice saying Lee claimed it")
    await rig.click(DANA, notice, "Claim")  # Dana's click on the notice as it was drawn, after Lee won
    await rig.told(DANA, "Already claimed by Lee Park at")

    choices = next(e for e in api.ephemerals() if e.get("user") == LEE and "pick it up" in text_of(e))
    choices["channel"] = ESCALATIONS
    await rig.click(LEE, choices, "Continue where Alice Ng left off")
    await wait_post(api, lambda d: d.get("thread_ts") == thread and "continues where Alice Ng left off" in text_of(d))

    def steps() -> list[dict[str, Any]]:
        return [m for m in api.posted(channel=CHANNEL, thread_ts=thread) if "rf.choose." in text_of(m)]

    async def shown_again() -> bool:
        return len(steps()) == 2

    await eventually(shown_again, "the current step posted again for Lee")
    again = steps()[-1]
    assert again["ts"] != step_ts and "can the user browse" in text_of(again)  # the step, again, for Lee
    session = await rig.session()
    assert session.status.value == "active" and session.conversation["engineer_name"] == "Lee Park"
    assert session.escalation_package_external_id == str(note["id"])
    assert rig.bot.app.schedules is not None
    (reminder,) = await rig.bot.app.schedules.list(session.team_id, "escalation_reminder")
    assert reminder.run_at is not None and reminder.payload.get("session_id", session.id) == session.id, (
        "escalating put the first re-ping on the schedule, in the team's window"
    )

    await rig.click(LEE, again, "Yes", thread=thread)  # Lee's first action on the session

    async def answered() -> bool:
        async with rig.bot.app.database.uow() as uow:
            timeline = await uow.sessions.timeline(session.team_id, session.id)
        return any(e.kind.value == "step_answered" and e.actor_name == "Lee Park" for e in timeline)

    await eventually(answered, "Lee's first step recorded")
    await slack.slash_command("stats escalations", user_id=ALICE, channel_id=CHANNEL)
    stats = await rig.told(ALICE, "Claim → first action")
    assert "1 escalated · 1 claimed · 0 waiting" in text_of(stats)
    assert len(cw.notes_on(TICKET)) == 1


async def test_an_unclaimed_escalation_is_pinged_again_widening_down_the_list_until_lee_claims_it(rig: Rig) -> None:
    api, slack, clock = rig.api, rig.slack, rig.clock
    await slack.slash_command("admin escalation-channel here", user_id=ALICE, channel_id=ESCALATIONS)
    await rig.told(ALICE, f"Escalations are announced in #{ESCALATIONS}")
    for user in (LEE, DANA, SAM):
        await slack.slash_command("help", user_id=user, channel_id=f"D{user[1:]}")
        await rig.told(user, "ResolutionFlow commands")
    listed = [await rig.user_id(u) for u in (ALICE, LEE, DANA, SAM)]  # whoever escalated and the senior are skipped
    async with rig.bot.app.database.uow() as uow:
        team = await uow.teams.get_by_name("slack:T1")
        assert team is not None
        await uow.settings.put(team.id, {"escalation_reminder_minutes": 10, "escalation_list": listed})
        await uow.commit()

    await slack.slash_command(f"start vpn-wont-connect #{TICKET}", user_id=ALICE, channel_id=CHANNEL)
    await wait_post(api, lambda d: d.get("channel") == CHANNEL and not d.get("thread_ts"))
    thread = next(m["ts"] for m in api.posted(channel=CHANNEL) if not m.get("thread_ts"))
    await wait_post(api, lambda d: d.get("thread_ts") == thread and "Escalate" in text_of(d))
    await slack.slash_command(f"escalate <@{LEE}> {REASON}", user_id=ALICE, channel_id=CHANNEL)
    await wait_post(api, lambda d: d.get("channel") == "D2" and "Claim" in text_of(d))
    await wait_post(api, lambda d: d.get("thread_ts") == thread and "Escalated" in text_of(d))

    def notices() -> list[dict[str, Any]]:
        return [m for m in api.posted(channel=ESCALATIONS) if "Claim" in text_of(m)]

    def dms(channel: str) -> list[dict[str, Any]]:
        return [m for m in api.posted(channel=channel) if "still waiting for someone to claim it" in text_of(m)]

    (first,) = notices()
    clock.advance(minutes=9)
    await rig.bot.fire_due()
    assert notices() == [first] and not dms("D2"), "the team's window (10 min) has not passed yet"

    clock.advance(minutes=2)
    await rig.bot.fire_due()
    again = notices()[-1]
    assert len(notices()) == 2 and again["ts"] != first["ts"] and not again.get("thread_ts")
    assert f"<@{LEE}> Alice Ng escalated this to you" in text_of(again)
    assert "Still unclaimed after 11 min (reminder 1)" in text_of(again) and find_button(blocks_of(again), "Claim")
    (to_lee,) = dms("D2")
    assert "VPN will not connect" in text_of(to_lee) and find_button(blocks_of(to_lee), "Claim")
    (to_dana,) = dms("D3")  # the first listed member who is neither Alice nor Lee
    assert find_button(blocks_of(to_dana), "Claim") and not dms("D5")
    line = [m for m in api.posted(channel=CHANNEL, thread_ts=thread) if "reminder 1" in text_of(m)]
    assert len(line) == 1 and not buttons_in(blocks_of(line[0])), "a quiet line in the session's thread"

    clock.advance(minutes=10)
    await rig.bot.fire_due()
    assert "Still unclaimed after 21 min (reminder 2)" in text_of(notices()[-1]) and len(notices()) == 3
    assert len(dms("D2")) == 2 and len(dms("D3")) == 1 and len(dms("D5")) == 1, "widened by one more person"

    await rig.click(LEE, notices()[-1], "Claim")
    await rig.told(LEE, "How do you want to pick it up?")
    posted = len(api.posted())
    clock.advance(minutes=30)
    await rig.bot.fire_due()
    assert len(api.posted()) == posted, "no re-ping once claimed"
    assert rig.bot.app.schedules is not None
    (reminder,) = await rig.bot.app.schedules.list(team.id, "escalation_reminder")
    assert reminder.last_fire_at is not None and reminder.next_fire_at is None, "the last reminder fired, quietly"

"""Teams end to end: the real served app behind the SDK's JWT check, activities posted by the driver with tokens signed
by the Entra fake, and what the bot sent read back from the fake Bot Connector (and the fake ConnectWise)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.handlers.teams import texts
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import Teams, action, actions_in, teams_session, text_of, wait_sent, wait_updated, walk
from tests.fakes.teams_roster import DANA, PAT, TEAM_ID

WORKING = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": texts.WORKING}


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    """The served bot with Teams (auth on) and ConnectWise, on each kind of database."""
    async with teams_session(migrated_url, monkeypatch, connectwise=True) as session:
        yield session


async def test_channel_thread_clicks_note_resolve_form_note_to_the_ticket(teams: Teams) -> None:
    connector, user, cw = teams.connector, teams.user, teams.cw
    assert cw is not None
    assert await user.channel_message("start vpn-wont-connect #12345") == (202, "")
    root = user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"  # the mention is a new post: the session lives in its thread
    card = await wait_sent(teams, lambda a: "VPN will not connect" in text_of(a), "the session card", thread)
    await wait_sent(teams, lambda a: "VPN drops every hour" in text_of(a), "the ticket from ConnectWise", thread)
    step = await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", thread)
    assert card["id"] != step["id"]
    assert actions_in(step)[:2] == ["Yes", "No"] and step["from"]["id"] == connector.bot_id
    assert all(teams.entra and teams.entra.accepts(c.authorization) for c in connector.calls_for("send"))

    # Action.Execute: an immediate invoke response; the answered card is replaced in place (PUT) afterwards
    yes = action(step, "Yes")
    assert await user.execute(step, yes["verb"], yes["data"]) == (200, WORKING)
    answered = await wait_updated(teams, step["id"], lambda u: "Yes" in text_of(u), "the answered step")
    assert not actions_in(answered) and "Dana Tech" in text_of(answered)
    await wait_sent(teams, lambda a: "What happens" in text_of(a), "the second step", thread)

    # Teams re-sends the same invoke (same activity id): it takes effect once
    assert await user.resend() == (200, WORKING)
    # someone else clicks the old button: told who answered, addressed to them with a real mention
    await user.execute(step, yes["verb"], yes["data"], PAT)
    stale = await wait_sent(teams, lambda a: "already answered" in text_of(a), "the stale-click notice", thread)
    assert stale["attachments"][0]["content"]["msteams"]["entities"][0]["mentioned"]["id"] == PAT.id
    assert "<at>Pat Lead</at>" in text_of(stale)

    # a message typed in the thread (no mention needed there) is a note on the current step
    await user.channel_message("router rebooted, still failing", thread=root, mention=False)
    await wait_sent(teams, lambda a: "Note saved" in text_of(a), "the note notice", thread)

    # resolve: the form is a card with inputs in the thread; submitting it replaces the form and writes the notes
    await user.channel_message("resolve", thread=root)
    form = await wait_sent(teams, lambda a: any(o.get("id") == "rf.in.summary" for o in _inputs(a)), "form", thread)
    submit = action(form, "Resolve") if "Resolve" in actions_in(form) else action(form, actions_in(form)[0])
    values = {"rf.in.summary": "Reinstalled the VPN client.", "rf.in.followups": ""}
    status, body = await user.execute(form, submit["verb"], submit["data"] | values)
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert texts.SUBMITTED in str(body["value"])
    await user.resend()  # a redelivered submission changes nothing

    async def two_notes() -> bool:
        return len(cw.notes_on(12345)) == 2

    await eventually(two_notes, "both notes on ticket #12345")
    resolution, documentation = cw.notes_on(12345)
    assert resolution["resolutionFlag"] and "Reinstalled the VPN client." in resolution["text"]
    assert resolution["member"]["identifier"] == "dtech", "matched to the CW member by the e-mail Teams gave"
    assert documentation["internalAnalysisFlag"]
    assert len([a for a in connector.sent(thread) if a.get("summary", "").startswith("Step 2")]) == 1
    assert len([u for u in connector.updates() if u["id"] == step["id"]]) == 1
    assert len(cw.notes_on(12345)) == 2


def _inputs(activity: dict[str, object]) -> list[dict[str, object]]:
    return [o for o in walk(activity.get("attachments")) if str(o.get("type", "")).startswith("Input.")]


async def test_personal_chat_commands_need_no_mention(teams: Teams) -> None:
    connector, user = teams.connector, teams.user
    chat = connector.personal_conversation_id(DANA.id)
    assert await user.personal_message("help") == (202, "")
    help_card = await wait_sent(teams, lambda a: "start" in text_of(a).lower(), "help in the 1:1 chat", chat)
    assert "<at>" not in text_of(help_card), "no mention needed in a 1:1 chat"

    await user.personal_message("start vpn-wont-connect")
    step = await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", chat)
    no = action(step, "No")
    assert await user.execute(step, no["verb"], no["data"]) == (200, WORKING)
    await wait_updated(teams, step["id"], lambda u: "No" in text_of(u) and not actions_in(u), "the answered step")


async def test_a_duplicate_message_takes_effect_once(teams: Teams) -> None:
    await teams.user.channel_message("start vpn-wont-connect")
    assert await teams.user.resend() == (202, "")
    await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step")
    cards = [a for a in teams.connector.sent() if "VPN will not connect" in text_of(a)]
    assert len(cards) == 1
    async with teams.app.database.uow() as uow:
        assert await uow.inbox.pending() == []


async def test_a_form_cancelled_on_an_older_client_is_closed_in_place(teams: Teams) -> None:
    user = teams.user
    await user.channel_message("start vpn-wont-connect")
    root = user.last_activity["id"]
    await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step")
    await user.channel_message("resolve", thread=root)
    form = await wait_sent(teams, lambda a: bool(_inputs(a)), "the resolve form")
    cancel = action(form, texts.CANCEL)
    assert await user.submit(form, cancel["data"]) == (202, "")  # Action.Submit: a message with value, no invoke
    closed = await wait_updated(teams, form["id"], lambda u: texts.FORM_CLOSED in text_of(u), "the closed form")
    assert not actions_in(closed)

"""Teams does what Slack does (issue 6's "done when"), end to end: a checklist with intake and value forms through
to resolve, linking a ticket, the personal-chat home card with Resume, and two tenants kept apart -- the real served
app behind the SDK's JWT check, cards read back from the fake Bot Connector, tickets from the fake ConnectWise."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.engine import texts as engine_texts
from bot.engine.model import SessionStatus
from bot.handlers.teams import texts
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import (
    Teams,
    actions_in,
    button,
    click,
    form_inputs,
    submit_form,
    teams_session,
    text_of,
    wait_count,
    wait_sent,
    wait_updated,
)
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.teams_driver import TeamsDriver
from tests.fakes.teams_roster import DANA, TEAM_ID, TeamsUser

ONBOARDING = "New user onboarding"
INTAKE = {"first_name": "Ada", "last_name": "Lovelace", "username": "alovelace", "start_date": "2026-04-01"}


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    """The served bot with Teams (auth on) and ConnectWise, on each kind of database."""
    async with teams_session(migrated_url, monkeypatch, connectwise=True) as session:
        yield session


async def _session_state(teams: Teams, tenant: str = "") -> tuple[str, SessionStatus, int, dict[str, str]]:
    """(id, status, state version, conversation) of Dana's only session in the tenant's team."""
    from tests.fakes.entra import TENANT_ID

    async with teams.app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{tenant or TENANT_ID}")
        assert team is not None
        user = await uow.users.by_identity(team.id, "teams", DANA.id)
        assert user is not None
        (session,) = await uow.sessions.for_engineer(team.id, user.id, list(SessionStatus), 5)
        return session.id, session.status, session.state_version, dict(session.conversation)


async def test_a_checklist_with_intake_and_value_forms_runs_through_to_resolve(teams: Teams) -> None:
    user = teams.user
    await user.channel_message("start new-user-onboarding")
    root = user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    await wait_sent(teams, lambda a: ONBOARDING in text_of(a), "the session card", thread)
    intake = await wait_sent(teams, lambda a: bool(form_inputs(a)), "the intake form card", thread)
    assert {i["id"] for i in form_inputs(intake)} >= {f"rf.in.{k}" for k in INTAKE}
    licence = next(i for i in form_inputs(intake) if i["id"] == "rf.in.licence_sku")
    assert licence.get("value") == "SPE_E3", "the variable's default is pre-filled"
    status, body = await submit_form(teams, intake, INTAKE)
    assert status == 200 and texts.SUBMITTED in str(body["value"])

    step = await wait_sent(teams, lambda a: "Ada Lovelace" in text_of(a) and "Step" in text_of(a), "step 1", thread)
    assert "New-ADUser" in str(step), "the step's command, variables filled in"
    for n, title in enumerate(("Create the directory account", "Set the manager", "Sync to Microsoft 365"), 1):
        step = await wait_sent(teams, lambda a, t=title: t in text_of(a) and bool(actions_in(a)), title, thread)
        await click(teams, step, "✓")
        await wait_updated(teams, step["id"], lambda u: not actions_in(u), f"step {n} answered in place")

    # the value step: its button opens a form card; the typed value answers the step in place
    value_step = await wait_sent(teams, lambda a: "SPE_E3 licence" in text_of(a) and bool(actions_in(a)), "4", thread)
    assert button(value_step, "✎")["title"] == "✎ Licence SKU assigned" and "Skip" in actions_in(value_step)
    await click(teams, value_step, "✎")
    form = await wait_sent(teams, lambda a: [i["id"] for i in form_inputs(a)] == ["rf.in.value"], "value form", thread)
    assert "Record" in actions_in(form)
    await submit_form(teams, form, {"value": "SPE_E3 (Microsoft 365 E3)"})
    answered = await wait_updated(teams, value_step["id"], lambda u: not actions_in(u), "the value step answered")
    assert "SPE_E3 (Microsoft 365 E3)" in text_of(answered) and "Dana Tech" in text_of(answered)
    await wait_sent(teams, lambda a: "mailbox is provisioned" in text_of(a), "the step after it", thread)

    # the same value form submitted again (the step has moved on): refused, nothing changes
    _, _, version, _ = await _session_state(teams)
    await submit_form(teams, form, {"value": "something else"})
    await wait_sent(teams, lambda a: "already answered" in text_of(a) or "out of date" in text_of(a), "stale", thread)
    assert (await _session_state(teams))[2] == version

    await user.channel_message("resolve", thread=root)
    resolve = await wait_sent(teams, lambda a: any(i["id"] == "rf.in.summary" for i in form_inputs(a)), "resolve")
    await submit_form(teams, resolve, {"summary": "Account, licence and mailbox ready for Ada.", "followups": ""})
    await wait_sent(teams, lambda a: "Resolved by Dana Tech" in text_of(a), "resolved", thread)
    note = await wait_sent(teams, lambda a: "Ticket note" in text_of(a), "the note in the thread", thread)
    assert "SPE_E3 (Microsoft 365 E3)" in text_of(note) and "Ada" in text_of(note)
    assert (await _session_state(teams))[1] is SessionStatus.RESOLVED


async def test_link_a_ticket_in_the_thread_shows_its_card(teams: Teams) -> None:
    user = teams.user
    await user.channel_message("start vpn-wont-connect")
    root = user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    card = await wait_sent(teams, lambda a: "VPN will not connect" in text_of(a), "the session card", thread)
    await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", thread)

    await user.channel_message("link", thread=root)  # no number: the link-ticket form card
    form = await wait_sent(teams, lambda a: [i["id"] for i in form_inputs(a)] == ["rf.in.ticket"], "link form", thread)
    await submit_form(teams, form, {"ticket": "not a number"})
    told = await wait_sent(teams, lambda a: "#12345" in text_of(a), "the hint", thread)
    assert engine_texts.TICKET_BAD.replace("`", "") in text_of(told).replace("`", "")
    assert "<at>Dana Tech</at>" in text_of(told)

    await user.channel_message("link #12345", thread=root)
    await wait_sent(teams, lambda a: "Linked ticket #12345" in text_of(a), "linked", thread)
    ticket = await wait_sent(teams, lambda a: "VPN drops every hour" in text_of(a), "the ticket card", thread)
    assert "Contoso Dental" in text_of(ticket) and "Pat Quinn" in text_of(ticket)
    await wait_updated(teams, card["id"], lambda u: "12345" in text_of(u), "the session card shows the ticket")
    _, status, _, conversation = await _session_state(teams)
    assert status is SessionStatus.ACTIVE and conversation["thread"] == root


async def test_the_home_card_lists_sessions_and_resume_continues_in_the_thread(teams: Teams) -> None:
    connector, user = teams.connector, teams.user
    await user.channel_message("start vpn-wont-connect #12345")
    root = user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", thread)
    await user.channel_message("pause", thread=root)
    await wait_sent(teams, lambda a: "paused by Dana Tech" in text_of(a), "paused", thread)

    chat = connector.personal_conversation_id(DANA.id)
    assert await user.installation_update(chat, "add") == (202, "")  # the app added to Dana's personal scope
    home = await wait_sent(teams, lambda a: "Your ResolutionFlow sessions" in text_of(a), "the home card", chat)
    assert "VPN will not connect" in text_of(home) and "paused" in text_of(home)
    actions = actions_in(home)
    assert actions[0] == "Resume" and actions.count("Resume") == 1  # then the flow library's Start and folder buttons
    assert any(a.startswith("Start ") for a in actions[1:]), actions

    before = len(connector.sent(chat))
    assert (await click(teams, home, "Resume")).status == 200
    await wait_sent(teams, lambda a: "resumed by Dana Tech" in text_of(a), "resumed in its thread", thread)
    await wait_count(teams, lambda a: "public website" in text_of(a), 2, thread)  # the step shown again
    assert len(connector.sent(chat)) == before, "nothing went to the chat the click came from"
    _, status, _, conversation = await _session_state(teams)
    assert status is SessionStatus.ACTIVE and (conversation["channel"], conversation["thread"]) == (TEAM_ID, root)

    # the same Resume, now stale, is refused in Dana's chat (a home click has no thread to answer in)
    await click(teams, home, "Resume")
    told = await wait_sent(teams, lambda a: "Nothing changed" in text_of(a) or "isn't paused" in text_of(a), "no", chat)
    assert "<at>" not in text_of(told), "no mention needed in a 1:1 chat"

    # the home card again, on demand (Slack's Home tab is always there): the session is active now, no Resume
    await user.personal_message("home")
    homes = await wait_count(teams, lambda a: "Your ResolutionFlow sessions" in text_of(a), 2, chat)
    assert "active" in text_of(homes[-1]) and "Resume" not in actions_in(homes[-1])


async def test_an_installation_in_a_team_opens_no_home(teams: Teams) -> None:
    assert await teams.user.installation_update(TEAM_ID, "add") == (202, "")
    assert await teams.user.bot_added(TEAM_ID) == (202, "")
    await teams.user.personal_message("help")  # a marker: everything before it has been handled
    await wait_sent(teams, lambda a: "start" in text_of(a).lower(), "help")
    assert not [a for a in teams.connector.sent() if "Your ResolutionFlow sessions" in text_of(a)]


OTHER_TENANT = "5b0c7d2e-1f3a-4b6c-8d9e-0a1b2c3d4e5f"
OTHER_TEAM = "19:general-fabrikam@thread.tacv2"
DANA_B_AAD = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


async def test_two_tenants_are_two_teams_and_cannot_reach_each_others_sessions(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with teams_session(migrated_url, monkeypatch, connectwise=True) as teams:
        # the same 29: id in another tenant, whose activities come from another serviceUrl (another region)
        dana_b = TeamsUser(DANA.id, "Dana Fabrikam", DANA_B_AAD, "dana@fabrikam.example", tenant_id=OTHER_TENANT)
        async with FakeBotConnector(teams.entra, prefix="/emea/") as other:
            other.users.clear()
            other.add_user(dana_b)
            other.add_team(OTHER_TEAM, "Fabrikam IT", members=[dana_b.id])
            async with TeamsDriver(teams.bot.url, other, teams.entra) as user_b:
                await teams.user.channel_message("start vpn-wont-connect #12345")
                thread_a = f"{TEAM_ID};messageid={teams.user.last_activity['id']}"
                step_a = await wait_sent(teams, lambda a: "public website" in text_of(a), "A's first step", thread_a)

                await user_b.channel_message("start printer-offline", dana_b, channel=OTHER_TEAM)
                thread_b = f"{OTHER_TEAM};messageid={user_b.last_activity['id']}"

                async def b_started() -> bool:
                    return any(bool(actions_in(a)) for a in other.sent(thread_b))

                await eventually(b_started, "B's first step, from B's connector")
                assert not [a for a in teams.connector.sent() if "rinter" in text_of(a)], "nothing of B's went to A"
                assert not [a for a in other.sent() if "VPN" in text_of(a)], "nothing of A's went to B"

                # B clicks a button carrying A's session id (a forged or replayed card): refused, nothing changes
                a_before = await _session_state(teams)
                sent_to_a = len(teams.connector.log)
                yes = button(step_a, "Yes")
                forged = {"id": other.sent(thread_b)[-1]["id"], "conversation": {"id": thread_b}}
                assert (await user_b.execute(forged, yes["verb"], yes["data"], dana_b)).status == 200

                async def refused() -> bool:
                    return any("can't find that session" in text_of(a) for a in other.sent(thread_b))

                await eventually(refused, "the refusal in B's thread")
                assert await _session_state(teams) == a_before
                assert len(teams.connector.log) == sent_to_a, "A's conversation was not touched"

                async with teams.app.database.uow() as uow:
                    team_a = await uow.teams.get_by_name("teams:" + DANA.tenant_id)
                    team_b = await uow.teams.get_by_name("teams:" + OTHER_TENANT)
                    assert team_a is not None and team_b is not None and team_a.id != team_b.id
                    dana_a_row = await uow.users.by_identity(team_a.id, "teams", DANA.id)
                    dana_b_row = await uow.users.by_identity(team_b.id, "teams", DANA.id)
                    assert dana_a_row is not None and dana_b_row is not None and dana_a_row.id != dana_b_row.id
                    (only_a,) = await uow.sessions.for_engineer(team_a.id, dana_a_row.id, list(SessionStatus), 5)
                    (only_b,) = await uow.sessions.for_engineer(team_b.id, dana_b_row.id, list(SessionStatus), 5)
                    assert only_a.ticket is not None and only_b.ticket is None and only_a.id != only_b.id
                    assert await uow.sessions.get(team_b.id, only_a.id) is None

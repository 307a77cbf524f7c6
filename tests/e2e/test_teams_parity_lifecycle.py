"""Teams does what Slack does, the session lifecycle: status, pause, resume, history, a long export split over
cards that each stay within our 28 KB budget (the connector refuses anything larger, counted as Teams counts it),
abandon with its confirmation, buttons that no longer apply, an unknown ticket, and the ticket-note status lines."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.engine import texts as engine_texts
from bot.engine.model import SessionStatus, TimelineKind
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import (
    Teams,
    actions_in,
    click,
    form_inputs,
    submit_form,
    teams_session,
    text_of,
    wait_count,
    wait_sent,
    wait_updated,
    walk,
)
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import TENANT_ID
from tests.fakes.teams_roster import DANA, TEAM_ID

BUDGET = 28 * 1024  # ours (platforms.md §2.5); Teams' own limit is ~100 KB
Json = dict[str, Any]


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    """The served bot with Teams (auth on, the connector enforcing our budget) and ConnectWise."""
    async with teams_session(migrated_url, monkeypatch, connectwise=True, max_message_bytes=BUDGET) as session:
        yield session


async def _start(teams: Teams, command: str = "start vpn-wont-connect #12345") -> tuple[str, str, Json]:
    """Start a session from a channel post; returns (thread root, thread conversation id, the first step)."""
    await teams.user.channel_message(command)
    root = teams.user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    step = await wait_sent(teams, lambda a: "public website" in text_of(a), "the first step", thread)
    return root, thread, step


async def _session(teams: Teams) -> Any:
    async with teams.app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{TENANT_ID}")
        assert team is not None
        user = await uow.users.by_identity(team.id, "teams", DANA.id)
        assert user is not None
        (session,) = await uow.sessions.for_engineer(team.id, user.id, list(SessionStatus), 5)
        notes = [e.answer for e in await uow.sessions.timeline(team.id, session.id) if e.kind is TimelineKind.NOTE]
        return session, notes


async def test_status_pause_resume_history_and_abandon_in_a_channel_thread(teams: Teams) -> None:
    user = teams.user
    root, thread, step = await _start(teams)

    await user.channel_message("status", thread=root)
    await wait_count(teams, lambda a: "public website" in text_of(a), 2, thread)  # the card and step shown again
    await wait_count(teams, lambda a: "VPN will not connect" in text_of(a) and "#12345" in text_of(a), 2, thread)

    await user.channel_message("pause", thread=root)
    await wait_sent(teams, lambda a: "Session paused by Dana Tech" in text_of(a), "paused", thread)
    await click(teams, step, "Yes")  # a step button of a paused session changes nothing
    await wait_sent(teams, lambda a: "paused" in text_of(a) and "<at>Dana Tech</at>" in text_of(a), "refused", thread)
    await user.channel_message("status", thread=root)
    await wait_sent(teams, lambda a: engine_texts.SESSION_PAUSED.split(".")[0] in text_of(a), "status: paused", thread)
    assert (await _session(teams))[0].status is SessionStatus.PAUSED

    await user.channel_message("resume", thread=root)
    await wait_sent(teams, lambda a: "Session resumed by Dana Tech" in text_of(a), "resumed", thread)
    steps = await wait_count(teams, lambda a: "public website" in text_of(a) and bool(actions_in(a)), 3, thread)

    await user.channel_message("history", thread=root)
    history = await wait_sent(teams, lambda a: "Your recent sessions" in text_of(a), "history", thread)
    assert "VPN will not connect — active, ticket #12345" in text_of(history)

    await user.channel_message("abandon", thread=root)
    confirm = await wait_sent(teams, lambda a: "Yes, abandon" in actions_in(a), "the confirmation", thread)
    assert actions_in(confirm) == ["Yes, abandon", "Keep it"] and "<at>Dana Tech</at>" in text_of(confirm)
    await click(teams, confirm, "Yes, abandon")
    await wait_sent(teams, lambda a: "Session abandoned by Dana Tech" in text_of(a), "abandoned", thread)
    await wait_sent(teams, lambda a: "Session note (abandoned)" in text_of(a), "the session note", thread)
    assert (await _session(teams))[0].status is SessionStatus.ABANDONED

    await click(teams, steps[-1], "Yes")  # the last step's button, after the end: refused, nothing changes
    await wait_sent(teams, lambda a: "(abandoned). Nothing changed" in text_of(a), "refused", thread)
    await user.channel_message("history", thread=root)
    await wait_count(teams, lambda a: "VPN will not connect — abandoned" in text_of(a), 1, thread)


MARKERS = [f"mk{n:02d}mk" for n in range(40)]
FILLER = " ".join(["the tunnel dropped again after the router reboot"] * 10)


def _utf16_size(activity: Json) -> int:
    """The message size as the connector (and Teams) counts it."""
    import json

    content = {k: activity.get(k) for k in ("text", "summary", "attachments", "entities", "suggestedActions")}
    return len(json.dumps(content).encode("utf-16-le"))


async def test_a_long_export_is_split_over_cards_within_the_budget(teams: Teams) -> None:
    user = teams.user
    root, thread, _ = await _start(teams)
    for marker in MARKERS:
        await user.channel_message(f"{marker} {FILLER}"[:500], thread=root, mention=False)

    async def all_recorded() -> bool:
        return set(re.findall(r"mk\d\dmk", " ".join((await _session(teams))[1]))) == set(MARKERS)

    await eventually(all_recorded, "every note recorded")
    await user.channel_message("export md", thread=root)
    await wait_sent(teams, lambda a: "Export ready" in text_of(a), "export ready", thread)

    def exports() -> list[Json]:
        return [a for a in teams.connector.sent(thread) if "Export (md)" in str(a.get("summary"))]

    def delivered() -> str:
        return "\n".join(str(o["codeSnippet"]) for a in exports() for o in walk(a) if "codeSnippet" in o)

    async def complete() -> bool:
        return all(marker in delivered() for marker in MARKERS)

    await eventually(complete, "every note in the export")
    assert not [c for c in teams.connector.log if c.status == 413], "no card over the budget was sent"
    assert len(exports()) > 1 and all(_utf16_size(a) <= BUDGET for a in exports())
    lines = [line for line in delivered().splitlines() if line.strip()]
    notes = [line for line in lines if "Note:" in line]
    assert sorted(m for line in notes for m in re.findall(r"mk\d\dmk", line)) == MARKERS, "nothing lost or repeated"
    assert all(line.endswith("the router reboot") for line in notes), "no line cut in two"


async def test_an_unknown_ticket_starts_nothing(teams: Teams) -> None:
    await teams.user.channel_message("start vpn-wont-connect #999")
    told = await wait_sent(teams, lambda a: "#999" in text_of(a), "the refusal")
    assert "Ticket #999 not found in ConnectWise" in text_of(told) and "<at>Dana Tech</at>" in text_of(told)
    async with teams.app.database.uow() as uow:
        team = await uow.teams.get_by_name(f"teams:{TENANT_ID}")
        assert team is not None
        user = await uow.users.by_identity(team.id, "teams", DANA.id)
        assert user is None, "the refusal rolled everything back, even Dana's first contact"


async def test_the_thread_says_when_each_note_reached_the_ticket(teams: Teams) -> None:
    cw = teams.cw
    assert cw is not None
    root, thread, _ = await _start(teams)
    await teams.user.channel_message("resolve", thread=root)
    form = await wait_sent(teams, lambda a: any(i["id"] == "rf.in.summary" for i in form_inputs(a)), "the form")
    await submit_form(teams, form, {"summary": "Replaced the VPN profile.", "followups": ""})

    def posted_lines() -> list[str]:
        lines = [text_of(u) for u in teams.connector.updates(thread)]
        return [t for t in lines if "posted to ticket #12345 as note #" in t]

    async def both_told() -> bool:
        return len(cw.notes_on(12345)) == 2 and len(posted_lines()) == 2

    await eventually(both_told, "both notes on the ticket and both status lines updated in place")
    assert len(cw.notes_on(12345)) == 2
    queued = [a for a in teams.connector.sent(thread) if "queued for ticket #12345" in text_of(a)]
    assert sorted(a["id"] for a in queued) == sorted(
        {u["id"] for u in teams.connector.updates(thread)} & {a["id"] for a in queued}
    ), "each status line was replaced in place, not posted again"
    await wait_updated(teams, queued[0]["id"], lambda u: "posted to ticket" in text_of(u), "the first status line")
    assert FakeBotConnector.cards_in(queued[0])


async def test_health_and_metrics_count_teams_traffic(teams: Teams) -> None:
    import aiohttp

    await teams.user.personal_message("help")
    await wait_sent(teams, lambda a: "start" in text_of(a).lower(), "help")
    async with aiohttp.ClientSession() as http:
        async with http.get(teams.bot.url + "/healthz") as resp:
            assert resp.status == 200 and (await resp.json())["database"] is True
        async with http.get(teams.bot.url + "/metrics") as resp:
            exposed = await resp.text()
    assert 'rfbot_http_requests_total{route="/api/messages",status="202"}' in exposed
    assert 'rfbot_ack_seconds_count{platform="teams"}' in exposed
    assert 'rfbot_deliveries_total{method="send",platform="teams",result="ok"}' in exposed

"""The flow library and the step library in Teams, end to end: the real served app, Bot Framework tokens, the fake
connector. Everything happens in Dana's 1:1 chat with the bot (she is the team's first member, so its admin).

* Dana writes a library step in the `steps add` form, attaches a flow's YAML file to `flow import` (its action step
  names the library step) and publishes it; `flow show` answers with the summary and a card whose ``Image`` is the
  diagram: the flow is too large to carry inline, so the picture goes by its signed link, which the served app
  answers with the PNG (and another team's link gets the 404 page).
* Running the flow, the step from the library gets 👍 / 👎 / review buttons once done; Dana's thumb and review land
  on the step (`steps show`, `steps search`). Then, in a session of the bundled VPN flow in the team's channel, a
  step that doesn't work is followed by the best-rated alternatives from the library, and "Add as a step" adds hers
  to the session.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.engine.sharing.signing import DIAGRAM_PATH
from bot.flows.diagram import PNG_SIGNATURE
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import (
    Teams,
    actions_in,
    click,
    form_inputs,
    submit_form,
    teams_session,
    text_of,
    wait_sent,
    walk,
)
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.teams_roster import DANA, TEAM_ID

PUBLIC = "https://rf.example.test"  # RFBOT_PUBLIC_URL: the address Teams' image proxy would fetch pictures from
FLOW = """\
key: vpn-quick
name: VPN quick fix
kind: troubleshooting
category: Network
tags: [vpn]
start: reachable
nodes:
  - id: reachable
    type: decision
    question: Does the user reach the internet without the VPN?
    options:
      - {{label: "Yes", next: reinstall}}
      - {{label: "No", next: local-internet}}
  - id: reinstall
    type: action
    title: Reinstall the VPN client
    step: {step}
    next: connects
  - id: connects
    type: decision
    question: Does the VPN connect now?
    options:
      - {{label: "Yes", next: fixed}}
      - {{label: "No", next: escalate}}
  - id: fixed
    type: solution
    title: VPN client reinstalled
    resolution: A clean reinstall of the VPN client fixed it.
  - id: escalate
    type: solution
    title: Escalate to the network team
    resolution: Escalated with the client logs attached.
  - id: local-internet
    type: solution
    title: Local internet down
    resolution: The user's own internet connection was down.
"""
REVIEW = "Clean reinstall fixed it in five minutes."


@pytest.fixture
async def teams(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Teams]:
    async with teams_session(migrated_url, monkeypatch, public_url=PUBLIC) as session:
        yield session


def images(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``Image`` elements of the activity's cards."""
    return [o for card in FakeBotConnector.cards_in(activity) for o in walk(card) if o.get("type") == "Image"]


async def said(teams: Teams, *parts: str) -> dict[str, Any]:
    """The first message in Dana's chat containing every one of ``parts``."""
    chat = teams.connector.personal_conversation_id(DANA.id)
    return await wait_sent(teams, lambda a: all(p in text_of(a) for p in parts), " + ".join(parts), chat)


async def add_step(teams: Teams) -> str:
    """Dana fills in the `steps add` form; the new step's short id."""
    await teams.user.personal_message("steps add")
    form = await wait_sent(teams, lambda a: any(i["id"].endswith(".title") for i in form_inputs(a)), "the form")
    values = {"title": "Reinstall the VPN client", "type": "action", "category": "Network", "tags": "vpn, client"}
    values |= {"content": "Uninstall it, reboot, install the approved package.", "visibility": "team"}
    await submit_form(teams, form, values)
    saved = await said(teams, "Saved library step")
    found = re.search(r"`([0-9a-f]{8})`", text_of(saved))
    assert found is not None, text_of(saved)
    return found.group(1)


async def fetch(teams: Teams, url: str) -> tuple[int, bytes, str]:
    """GET a link the bot handed out, from the served app (``url``'s host is the public address)."""
    async with aiohttp.ClientSession() as http, http.get(teams.bot.url + urlsplit(url).path) as response:
        return response.status, await response.read(), response.headers.get("Content-Type", "")


async def test_a_flow_imported_in_chat_is_published_and_shown_with_its_diagram(teams: Teams) -> None:
    await teams.user.personal_message("help")
    await said(teams, "ResolutionFlow commands")
    step = await add_step(teams)
    upload = teams.connector.add_upload("vpn-quick.yaml", FLOW.format(step=step).encode())
    await teams.user.personal_message("flow import", files=[upload])
    await said(teams, "Imported", "vpn-quick", "as a draft")
    assert [d.status for d in teams.connector.downloads] == [200]  # the bot read the attached file once

    await teams.user.personal_message("flow publish vpn-quick")
    await said(teams, "Published", "vpn-quick")
    await teams.user.personal_message("flow show vpn-quick")
    await said(teams, "VPN quick fix")
    picture = await wait_sent(teams, lambda a: bool(images(a)), "the diagram card")
    (image,) = images(picture)
    assert image["url"].startswith(PUBLIC + DIAGRAM_PATH) and image["altText"].startswith("Diagram of VPN quick fix")
    assert "works for 8 hours" in text_of(picture)
    status, png, kind = await fetch(teams, image["url"])
    assert status == 200 and kind == "image/png" and png.startswith(PNG_SIGNATURE)

    token = image["url"].rsplit("/", 1)[1]
    status, body, kind = await fetch(teams, PUBLIC + DIAGRAM_PATH + token[:-4] + "AAAA")
    assert status == 404 and kind.startswith("text/html") and b"does not open anything" in body


async def test_library_steps_are_rated_reviewed_and_offered_when_a_step_fails(teams: Teams) -> None:
    await teams.user.personal_message("help")
    await said(teams, "ResolutionFlow commands")
    step = await add_step(teams)
    upload = teams.connector.add_upload("vpn-quick.yaml", FLOW.format(step=step).encode())
    await teams.user.personal_message("flow import", files=[upload])
    await said(teams, "Imported", "vpn-quick")
    await teams.user.personal_message("flow publish vpn-quick")
    await said(teams, "Published", "vpn-quick")

    await teams.user.personal_message("start vpn-quick")
    first = await said(teams, "reach the internet without the VPN")
    await click(teams, first, "Yes")
    reinstall = await wait_sent(teams, lambda a: "✓ Done" in actions_in(a) and "Reinstall" in text_of(a), "the step")
    assert "reboot, install the approved package" in text_of(reinstall)  # what the library step says
    await click(teams, reinstall, "✓ Done")

    def rated(activity: dict[str, Any]) -> bool:
        return activity["id"] == reinstall["id"] and "👍" in actions_in(activity)

    done = await wait_for_update(teams, rated, "the 👍 / 👎 / review buttons on the done step")
    assert actions_in(done) == ["👍", "👎", "Add a review"]
    await click(teams, done, "👎")
    await said(teams, "you rated", "👎")
    await click(teams, done, "👍")  # a second thumb replaces the first
    await said(teams, "you rated", "👍")
    await click(teams, done, "Add a review")
    form = await wait_sent(teams, lambda a: any(i["id"].endswith(".review") for i in form_inputs(a)), "review form")
    await submit_form(teams, form, {"thumb": "up", "review": REVIEW})
    await said(teams, "your review of", "is saved")

    await teams.user.personal_message(f"steps show {step}")
    shown = await said(teams, "📚 Reinstall the VPN client", REVIEW)
    assert "👍 1 · 👎 0 · used 1×" in text_of(shown)
    await teams.user.personal_message("steps search vpn tag:vpn")
    listed = await said(teams, "Library steps matching")
    assert "Reinstall the VPN client" in text_of(listed) and "Show" in actions_in(listed)

    await teams.user.channel_message("start vpn-wont-connect")  # in the team's channel: a thread of its own

    async def posted(*parts: str) -> dict[str, Any]:
        def match(activity: dict[str, Any]) -> bool:
            return all(p in text_of(activity) for p in parts) and bool(actions_in(activity))

        return await wait_sent(teams, match, parts[0], TEAM_ID)

    await click(teams, await posted("public website"), "Yes")
    await click(teams, await posted("What happens when the user tries to connect"), "Client crashes")
    await click(teams, await posted("Restart or repair the VPN client"), "Didn't work")
    offered = await posted("Best-rated alternatives")
    assert "Reinstall the VPN client" in text_of(offered) and "Add as a step" in actions_in(offered)
    await click(teams, offered, "Add as a step")
    await wait_sent(teams, lambda a: "Added" in text_of(a) and "from the step library" in text_of(a), "added", TEAM_ID)


async def wait_for_update(teams: Teams, predicate: Any, what: str) -> dict[str, Any]:
    """The newest PUT (a card replaced in place) matching ``predicate``."""
    found: list[dict[str, Any]] = []

    async def check() -> bool:
        found[:] = [u for u in teams.connector.updates() if predicate(u)]
        return bool(found)

    await eventually(check, what)
    return found[-1]

"""Teams does what Slack does with FlowPilot's escalation package (as ``test_slack_pilot_package``), in a channel
thread: asked for the package while the suggested fix is unfinished, FlowPilot asks how it went first; the task
lane's "Escalation package" button previews the five sections (the deep model drafts it once), and "Post to ticket"
puts it on ticket #12345 as one internal note, whatever Teams redelivers or is clicked again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.pilot import schema
from tests.e2e.pilot_script import DEEP, ScriptedModel, chat, fix, purpose_of
from tests.e2e.teams_pilot_script import TeamsPilot, buttons, teams_pilot
from tests.e2e.teams_server import action, text_of, wait_sent, wait_updated
from tests.fakes.anthropic_api import Reply
from tests.fakes.anthropic_wire import Json
from tests.fakes.teams_roster import TEAM_ID

HEADINGS = ("Problem", "What we've confirmed", "What we've tried", "Current hypothesis", "Suggested next steps")
PACKAGE: Json = {
    "problem": "Outlook on one laptop keeps asking the user for her password.",
    "what_we_confirmed": "- Only one user is affected.\n- Credential Manager holds a stale Office entry.",
    "what_we_tried": "- Cleared the cached Office token: didn't work.",
    "current_hypothesis": "The Office identity in the user's profile is damaged.",
    "suggested_next_steps": "- Rebuild the Outlook profile.\n- Check the modern-auth registry keys.",
    "assessment": {
        "summary_prose": "Outlook's sign-in loop survives clearing the cached token.",
        "what_we_know": ["Only one user is affected."],
        "likely_cause": "A damaged Office identity in the user's profile.",
        "suggested_steps": ["Rebuild the Outlook profile", "Check the modern-auth registry keys"],
        "confidence": 0.6,
    },
}


class PackageModel(ScriptedModel):
    """The scripted model, answering the escalation package's document request (its tool asks for the assessment)
    with ``PACKAGE``."""

    def __call__(self, body: Json) -> Reply:
        """Answer one request."""
        tool = next((t for t in body.get("tools") or [] if t.get("name") == schema.DOCUMENT_TOOL), {})
        if purpose_of(body) == "document" and "assessment" in (
            (tool.get("input_schema") or {}).get("properties") or {}
        ):
            return Reply.tool(schema.DOCUMENT_TOOL, PACKAGE, delay=self.delay)
        return super().__call__(body)


SCRIPT = PackageModel(
    turns=[
        ("Clear the cached Office identity.", fix(0.7, "Clear the cached Office token", "cmdkey /delete:<target>")),
        ("Then the profile itself is the next suspect.", chat(0.5)),
    ],
    document={"problem": "P", "what_we_confirmed": "C", "root_cause": "R", "resolution": "X"},
)


@pytest.fixture
async def pilot(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TeamsPilot]:
    """The rig with the script above, on each kind of database."""
    async with teams_pilot(migrated_url, monkeypatch, SCRIPT) as rig:
        yield rig


def documents(p: TeamsPilot) -> list[Json]:
    return [b for b in p.model.requests if purpose_of(b) == "document"]


async def test_the_package_is_previewed_in_the_thread_and_posted_once_as_an_internal_note(pilot: TeamsPilot) -> None:
    p, user = pilot, pilot.teams.user
    await user.channel_message("pilot Outlook keeps asking for the password on one laptop #12345")
    root = user.last_activity["id"]
    thread = f"{TEAM_ID};messageid={root}"
    await p.reply_with("Clear the cached Office identity", thread)

    await user.channel_message("pilot package", thread=root)  # the fix is unfinished: asked how it went first
    asked = await p.message(lambda m: "how did the suggested fix" in text_of(m), "the question", thread)
    assert buttons(asked) == ["It worked", "Didn't work", "Partly", "Never applied"]
    assert documents(p) == []
    await p.click(asked, "Didn't work")
    await p.reply_with("the profile itself", thread)

    lane = await p.message(lambda m: "Escalation package" in buttons(m), "the task lane", thread)
    await p.click(lane, "Escalation package")
    preview = await p.message(lambda m: "Post to ticket #12345" in buttons(m), "the package preview", thread)
    shown = text_of(preview)
    assert all(f"**{heading}**" in shown for heading in HEADINGS) and "Escalation package — preview" in shown
    assert "A damaged Office identity" in shown and "Drafted by Claude (deep)" in shown
    assert buttons(preview) == ["Post to ticket #12345", "Edit"]
    assert [b["model"] for b in documents(p)] == [DEEP]

    post = action(preview, "Post to ticket #12345")
    await p.click(preview, "Post to ticket #12345")
    await p.notes_posted(1)
    sent = await wait_updated(
        p.teams, preview["id"], lambda u: "Sent to ticket #12345 by Dana Tech" in text_of(u), "sent"
    )
    assert "Post to ticket #12345" not in buttons(sent)
    assert (await user.resend()).status == 200  # Teams redelivers the click
    await user.execute(preview, post["verb"], post["data"])  # and a second click on the button as it was drawn
    await wait_sent(p.teams, lambda a: "isn't posted twice" in text_of(a), "told once is enough", thread)
    (note,) = p.notes()
    assert note["internalAnalysisFlag"] and not note["resolutionFlag"]
    body = note["text"]
    assert [body.index(h) for h in HEADINGS] == sorted(body.index(h) for h in HEADINGS)
    assert PACKAGE["current_hypothesis"] in body
    assert not [a for a in p.connector.sent(thread) if "Resolved by" in text_of(a)], "the package resolves nothing"
    assert len(p.notes()) == 1 and len(documents(p)) == 1

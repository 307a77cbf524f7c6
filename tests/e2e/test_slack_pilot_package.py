"""FlowPilot's escalation package end to end in Slack: the real served app, Claude at the loopback Anthropic fake,
ConnectWise at its fake. Asked for the package while the suggested fix is unfinished, FlowPilot asks how it went
first; then the task lane's "Escalation package" button previews the five sections in the thread (the deep model
drafts it once), and "Post to ticket" puts it on ticket #12345 as one internal note, whatever Slack redelivers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.pilot import schema
from tests.e2e.pilot_script import (
    CHANNEL,
    DEEP,
    USER,
    Pilot,
    ScriptedModel,
    chat,
    fix,
    labels,
    pilot_rig,
    purpose_of,
    seen,
)
from tests.e2e.slack_transcript import blocks_of
from tests.fakes.anthropic_api import Reply
from tests.fakes.anthropic_wire import Json
from tests.fakes.slack_driver import find_button

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
NOTE: Json = {"problem": "P", "what_we_confirmed": "C", "root_cause": "R", "resolution": "X"}


class PackageModel(ScriptedModel):
    """The scripted model, answering a request for the escalation package (its ``record_document`` tool asks for the
    assessment) with ``PACKAGE``."""

    def __call__(self, body: Json) -> Reply:
        """Answer one request."""
        if purpose_of(body) == "document" and "assessment" in _document_fields(body):
            return Reply.tool(schema.DOCUMENT_TOOL, PACKAGE, delay=self.delay)
        return super().__call__(body)


def _document_fields(body: Json) -> set[str]:
    tool = next(t for t in body.get("tools") or [] if t.get("name") == schema.DOCUMENT_TOOL)
    return set((tool.get("input_schema") or {}).get("properties") or {})


SCRIPT = PackageModel(
    turns=[
        ("Clear the cached Office identity.", fix(0.7, "Clear the cached Office token", "cmdkey /delete:<target>")),
        ("Then the profile itself is the next suspect.", chat(0.5)),
    ],
    document=NOTE,
)


@pytest.fixture
async def pilot(migrated_url: str) -> AsyncIterator[Pilot]:
    """The rig with the scripted session above, on each kind of database."""
    async with pilot_rig(migrated_url, SCRIPT) as rig:
        yield rig


async def test_the_package_is_previewed_in_the_thread_and_posted_once_as_an_internal_note(pilot: Pilot) -> None:
    p = pilot
    await p.start("Outlook keeps asking for the password on one laptop")
    await p.reply_with("Clear the cached Office identity")

    await p.mention("pilot package")  # the fix is unfinished: FlowPilot asks how it went instead of drafting
    asked = await p.shown(lambda text: "how did the suggested fix" in text, "the question about the fix")
    assert labels(asked) == ["It worked", "Didn't work", "Partly", "Never applied"]
    assert p.model_calls("document") == []
    await p.click(asked, "Didn't work")
    await p.reply_with("the profile itself")

    lane = await p.shown(lambda text: "Task lane" in text and "Escalation package" in text, "the task lane")
    await p.click(lane, "Escalation package")
    preview = await p.shown(lambda text: "Post to ticket #12345" in text, "the escalation package preview")
    text = seen(preview)
    assert all(f"*{heading}*" in text for heading in HEADINGS) and "Escalation package — preview" in text
    assert "A damaged Office identity" in text and "Drafted by Claude (deep)" in text
    assert labels(preview) == ["Post to ticket #12345", "Edit"]
    assert [b["model"] for b in p.model_calls("document")] == [DEEP]

    post = find_button(blocks_of(preview), "Post to ticket")
    click = await p.click(preview, "Post to ticket")
    await p.notes_posted(1)
    await p.shown(lambda text: "Sent to ticket #12345 by Alice Ng" in text, "the preview marked as sent")
    # Slack redelivers the click, then a second click lands on the button as it was drawn: nothing more is posted
    for action_ts in (click, "1700009999.000001"):
        reply = await p.driver.block_action(
            post["action_id"],
            post["value"],
            user_id=USER,
            channel_id=CHANNEL,
            message_ts=preview["ts"],
            thread_ts=p.thread,
            action_ts=action_ts,
            retry_num=1 if action_ts == click else None,
        )
        assert reply.status == 200, reply
    await p.told("isn't posted twice")
    (note,) = p.notes()
    assert note["internalAnalysisFlag"] and not note["resolutionFlag"]
    body = note["text"]
    assert [body.index(h) for h in HEADINGS] == sorted(body.index(h) for h in HEADINGS)
    assert PACKAGE["current_hypothesis"] in body
    assert not any("Resolved by" in seen(m) for m in p.thread_messages()), "posting the package resolves nothing"
    assert len(p.notes()) == 1 and len(p.model_calls("document")) == 1

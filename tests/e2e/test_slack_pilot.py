"""FlowPilot end to end in Slack: the real served app, Claude pointed at the loopback Anthropic fake (fast and deep
models named apart), ConnectWise at its fake. A free-form session from ``/rf pilot <problem> #ticket`` to the
resolution note on the ticket; secrets typed in the thread reach neither the model, the ticket nor Slack; an
unchanged session's note preview is not drafted twice; and when Claude fails the offline copilot carries on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.pilot_script import (
    DEEP,
    FAST,
    OVERLOADED,
    USER,
    Pilot,
    ScriptedModel,
    chat,
    check,
    fix,
    labels,
    pilot_rig,
    question,
    seen,
)
from tests.e2e.slack_transcript import eventually
from tests.fakes.anthropic_wire import strings

PROBLEM = "Outlook keeps asking for the password on one laptop"
SECTIONS = ("Problem", "What we confirmed", "Root cause", "Resolution")
NOTE = {
    "problem": "Outlook on one laptop kept asking the user to sign in again.",
    "what_we_confirmed": "- Only one user was affected.\n- Credential Manager held a stale Office entry.",
    "root_cause": "A stale cached Office sign-in token.",
    "resolution": "We cleared the cached Office token; Outlook signs in normally again.",
}
SESSION = ScriptedModel(
    turns=[
        (
            "Let's narrow it down first.",
            question(0.3, "Who is affected?", ["One user", "Everyone"], triage_update={"issue_category": "Email"}),
        ),
        ("Tell me exactly what the prompt says when it appears.", chat(0.35)),
        ("Let's look for stale Office tokens.", check(0.6, "Stale Office credentials", "cmdkey /list")),
        ("Clear the cached Office identity.", fix(0.85, "Clear the cached Office token", "cmdkey /delete:<target>")),
    ],
    document=NOTE,
)
SECRETS = ("Hunter2!xyz", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "bob.smith@contoso.example")
TYPED = f"The prompt says password: {SECRETS[0]} is wrong. api_key={SECRETS[1]}, the user is {SECRETS[2]}"
CLOSED = "can't be changed any more"


@pytest.fixture
async def pilot(migrated_url: str) -> AsyncIterator[Pilot]:
    """The rig with the scripted session above, on each kind of database."""
    async with pilot_rig(migrated_url, SESSION) as rig:
        yield rig


async def work_the_problem(p: Pilot, typed: str) -> dict[str, Any]:
    """Start the session; answer by button, in the thread (``typed``) and with a check's result. Returns FlowPilot's
    reply suggesting the fix."""
    await p.start(PROBLEM)
    asked = await p.reply_with("narrow it down")
    assert asked["thread_ts"] == p.thread, "FlowPilot answers in the session's thread"
    assert labels(asked) == ["One user", "Everyone", "Answer in words", "Skip"]
    await p.click(asked, "One user")
    await p.shown(lambda text: "Who is affected? → One user" in text, "the answer recorded")
    await p.reply_with("what the prompt says")
    await p.say(typed)
    checking = await p.reply_with("stale Office tokens")
    assert "cmdkey /list" in seen(checking) and labels(checking)[:2] == ["Passed", "Failed"]
    await p.click(checking, "Failed")
    return await p.reply_with("Clear the cached Office identity")


async def test_a_free_form_session_ends_in_one_posted_note(pilot: Pilot) -> None:
    p = pilot
    fixing = await work_the_problem(p, "It says the password is incorrect, then asks again.")
    first_turn = p.model_calls("turn")[0]
    context = "\n".join(strings(first_turn["messages"]))
    assert first_turn["model"] == FAST and first_turn["stream"] is True
    assert '<untrusted source="ticket">' in context and "Outlook asks for a password again and again" in context
    assert "started after Tuesday's Windows update" in context, "the ticket's notes are context too"

    assert "Suggested fix: Clear the cached Office token" in seen(fixing)
    assert {"GUI walkthrough", "Script", "It worked", "Didn't work"} <= set(labels(fixing))
    await p.click(fixing, "It worked")
    worked = await p.shown(lambda text: "The fix worked." in text, "the Resolve button")
    await p.click(worked, "Resolve")
    preview = await p.shown(lambda text: "Confirm & post" in text, "the resolution note preview")
    assert all(f"*{heading}*" in seen(preview) for heading in SECTIONS) and "Drafted by Claude (deep)" in seen(preview)
    assert [b["model"] for b in p.model_calls("document")] == [DEEP]

    await p.click(preview, "Edit")
    edited = "We cleared the cached Office token and signed the user in again; she confirmed it at 10:40."
    await p.fill_modal({"s3": edited})  # the fourth section, Resolution
    preview = await p.shown(lambda text: "edited by Alice Ng" in text, "the edited preview")
    assert edited in seen(preview)

    confirm = await p.click(preview, "Confirm & post")
    await p.notes_posted(2)
    (note,) = p.notes("resolutionFlag")
    body = note["text"]
    assert [body.index(h) for h in SECTIONS] == sorted(body.index(h) for h in SECTIONS)
    assert NOTE["root_cause"] in body and edited in body and NOTE["resolution"] not in body
    assert note["member"]["identifier"] == "alng"
    (documentation,) = p.notes("internalAnalysisFlag")
    assert not documentation["resolutionFlag"]
    await p.shown(lambda text: "Resolved by Alice Ng" in text, "the thread says it is resolved")

    # Slack redelivers the click, then the engineer clicks once more: neither posts anything more
    await p.click(preview, "Confirm & post", retry_of=confirm)
    await p.click(preview, "Confirm & post")
    assert (await p.told(CLOSED))["user"] == USER

    async def both_reported() -> bool:
        return sum("posted to ticket #12345 as note #" in seen(m) for m in p.thread_messages()) == 2

    await eventually(both_reported, "the thread saying both notes were posted")
    assert len(p.notes()) == 2 and len(p.notes("resolutionFlag")) == 1
    assert len(p.model_calls("document")) == 1
    assert [e["text"] for e in p.api.ephemerals()] == [f"This session is resolved; it {CLOSED}."]


async def test_secrets_typed_in_the_thread_reach_no_vendor_and_no_slack_message(pilot: Pilot) -> None:
    p = pilot
    await work_the_problem(p, TYPED)
    await p.mention("resolve")
    preview = await p.shown(lambda text: "Confirm & post" in text, "the resolution note preview")
    await p.click(preview, "Confirm & post")
    await p.notes_posted(2)
    resolved = await p.shown(lambda text: "Resolved by Alice Ng" in text, "the thread says it is resolved")
    assert "masked" in seen(resolved), "the engineer is told what was masked"

    after_typing = "\n".join(s for body in p.model_calls()[2:] for s in strings(body["messages"]))
    assert "The prompt says password: [REDACTED:password] is wrong." in after_typing
    assert "[REDACTED:api_key]" in after_typing and "[REDACTED:email]" in after_typing
    raw_requests = b"\n".join(call.body for call in p.model.calls)
    notes = "\n".join(note["text"] for note in p.notes())
    slack = p.slack_texts()
    for secret in SECRETS:
        assert secret.encode() not in raw_requests, f"{secret} reached the model"
        assert secret not in notes, f"{secret} reached the ticket"
        assert secret not in slack, f"the bot posted {secret} to Slack"


async def test_an_unchanged_session_previews_its_note_from_the_cache(pilot: Pilot) -> None:
    p = pilot
    await p.start(PROBLEM)
    await p.reply_with("narrow it down")
    await p.mention("resolve")
    preview = await p.shown(lambda text: "Confirm & post" in text, "the resolution note preview")

    await p.mention("resolve")  # nothing changed since: the same preview is shown again, without a model call
    await p.thread_updated(preview["ts"], "Resolution note preview", 2)
    assert [b["model"] for b in p.model_calls("document")] == [DEEP]

    await p.mention("fact the user's cached Office token was stale")
    await p.shown(lambda text: "Added to What we know" in text, "the fact saved")
    await p.mention("resolve")
    fresh = await p.shown(lambda text: "Confirm & post" in text, "a fresh preview", after=preview["ts"])
    assert len(p.model_calls("document")) == 2
    assert "the user's cached Office token was stale" in "\n".join(strings(p.model_calls("document")[-1]["messages"]))

    await p.mention("resolve")
    await p.thread_updated(fresh["ts"], "Resolution note preview", 2)
    assert len(p.model_calls("document")) == 2


@pytest.mark.parametrize("fault", ["overloaded", "timeout"])
async def test_when_claude_fails_the_offline_copilot_answers(migrated_url: str, fault: str) -> None:
    slow = ScriptedModel(SESSION.turns, NOTE, delay=30.0 if fault == "timeout" else 0.0)
    async with pilot_rig(migrated_url, slow, pilot_timeout=0.5) as p:
        if fault == "overloaded":  # every call answered 529, the SDK's retries included
            await p.model.outage(status=529, body=OVERLOADED, headers={"retry-after-ms": "10"})
        await p.start(PROBLEM)
        degraded = "Claude is unavailable right now, so this answer comes from offline mode."
        answer = await p.shown(lambda text: degraded in text and "FlowPilot ·" in text, "an offline answer")
        assert len(labels(answer)) >= 3, "an offline question with quick replies"
        assert "FlowPilot · offline mode" in seen(answer), "the status line says who answered"
        tried = len(p.model_calls("turn"))
        assert tried == (3 if fault == "overloaded" else 1), "Claude was tried first"

        await p.click(answer, labels(answer)[0])
        await p.shown(lambda text: degraded in text, "the next offline turn", after=answer["ts"])
        await p.mention("resolve")
        preview = await p.shown(lambda text: "Confirm & post" in text, "the offline resolution note preview")
        assert "Drafted by offline template" in seen(preview)
        await p.click(preview, "Confirm & post")
        await p.notes_posted(2)
        await p.click(preview, "Confirm & post")
        await p.told(CLOSED)
        (note,) = p.notes("resolutionFlag")
        assert all(heading in note["text"] for heading in SECTIONS)

        slack = p.slack_texts()
        for leak in ("Traceback", "overloaded_error", "Overloaded", '{"', "APIStatusError", "Timeout", "timed out"):
            assert leak not in slack, f"{leak!r} shown to the engineer"
        assert not re.search(r"\b529\b", slack)
        assert [e["text"] for e in p.api.ephemerals()] == [f"This session is resolved; it {CLOSED}."]

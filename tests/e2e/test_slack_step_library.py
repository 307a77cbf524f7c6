"""The step library in Slack, end to end: the real served app, signed requests, the fake Web API.

Alice (team admin) writes three library steps in the `steps add` modal, then shares a flow whose two action steps
only name library steps (`step:`; a name the library doesn't know is refused with its line) and publishes it. Bob
(engineer) runs it: the first step shows what the library says; done, it carries 👍 / 👎 / review buttons: Bob's
second thumb replaces his first, and in the review modal he turns it up again with a short review (a too-long one
is refused and changes nothing). The second step doesn't work: the best-rated alternatives from the library are
offered in the thread, the step Bob just praised first. `/rf steps` lists every step with its ratings."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.slack_transcript import (
    WAIT_S,
    Slack,
    blocks_of,
    share_files,
    text_fields,
    wait_ephemeral,
    wait_post,
)
from tests.fakes.slack_driver import ButtonRef, buttons_in, find_button

STEPS = {
    "spooler": ("Restart the print spooler", "Restart the Print Spooler service.", "Restart-Service Spooler"),
    "queue": ("Clear the stuck print queue", "Delete the jobs stuck in the queue.", "Get-PrintJob -PrinterName *"),
    "driver": ("Check the printer driver version", "Compare it with the vendor's latest.", ""),
}
FLOW = """\
key: printer-spool
name: Printer spooler stuck
kind: troubleshooting
category: Printing
tags: [printer, spooler]
start: restart
nodes:
  - id: restart
    type: action
    step: {spooler}
    next: queue
  - id: queue
    type: action
    step: {queue}
    next: done
  - id: done
    type: solution
    title: Printing again
    resolution: The spooler runs and the queue is empty.
"""
REVIEW = "Fixed it in a minute; do this first."
Form = dict[str, str | dict[str, Any]]  # what `SlackDriver.view_submission` takes


def plain(data: dict[str, Any]) -> str:
    """Every text of a call's blocks and its fallback text, unescaped, one per line."""
    return "\n".join(text_fields(blocks_of(data))) + "\n" + str(data.get("text", ""))


def said_to(user: str, *parts: str) -> Any:
    """A predicate: an ephemeral to ``user`` containing every one of ``parts``."""
    return lambda d: d.get("user") == user and all(p in plain(d) for p in parts)


async def add_step(slack: Slack, title: str, content: str, command: str) -> str:
    """Alice fills in the `steps add` modal; returns the new step's short id."""
    opened = len(slack.api.views_opened())
    await slack.user.slash_command("steps add", user_id="U1", channel_id="C1")
    await slack.api.wait_for(lambda _: len(slack.api.views_opened()) > opened, WAIT_S)
    view = slack.api.views_opened()[-1]["view"]
    values: Form = {"title": title, "type": "action", "content": content, "commands": command}
    values |= {"category": "Printing", "tags": "printer, spooler", "visibility": "team"}
    await slack.user.view_submission(view["callback_id"], view["private_metadata"], values, user_id="U1")
    saved = await wait_ephemeral(slack.api, said_to("U1", f"Saved library step *{title}*"))
    found = re.search(r"\(`([0-9a-f]{8})`\)", plain(saved))
    assert found is not None, plain(saved)
    return found.group(1)


async def click(slack: Slack, button: ButtonRef, user: str, message_ts: str, thread: str) -> None:
    """``user`` clicks ``button`` on the message ``message_ts`` in the thread ``thread`` of channel C1."""
    await slack.user.block_action(
        button["action_id"], button["value"], user_id=user, channel_id="C1", message_ts=message_ts, thread_ts=thread
    )


async def open_review(slack: Slack, button: ButtonRef, message_ts: str, thread: str) -> dict[str, Any]:
    """Bob clicks "Add a review": the modal Slack opened (a new view each time, as Slack does)."""
    opened = len(slack.api.views_opened())
    await click(slack, button, "U2", message_ts, thread)
    await slack.api.wait_for(lambda _: len(slack.api.views_opened()) > opened, WAIT_S)
    view: dict[str, Any] = slack.api.views_opened()[-1]["view"]
    assert view["callback_id"] == "rf.form.step_review"
    return view


async def test_rate_review_alternatives_and_the_list(slack: Slack) -> None:
    api = slack.api
    api.add_user("T1", "U2", "Bob Li", "bob@example.invalid")
    ids = {name: await add_step(slack, *step) for name, step in STEPS.items()}

    unknown = FLOW.format(spooler="restart-it-somehow", queue=ids["queue"]).encode()
    await share_files(slack, "flow import", api.add_file("T1", "spool.yaml", unknown, "application/x-yaml"))
    refused = await wait_ephemeral(api, said_to("U1", "`spool.yaml` has 1 problem(s); nothing was saved"))
    assert "line 8: step 'restart': no library step 'restart-it-somehow'" in plain(refused)
    shared = api.add_file("T1", "printer-spool.yaml", FLOW.format(**ids).encode(), "application/x-yaml")
    await share_files(slack, "flow import", shared, user_id="U1", channel="D1")
    await wait_ephemeral(api, said_to("U1", "Imported `printer-spool`"))
    await slack.user.slash_command("flow publish printer-spool", user_id="U1", channel_id="C1")
    await wait_ephemeral(api, said_to("U1", "Published `printer-spool` as version 2"))

    # Bob runs it: the first step is the library's, done it carries the rating buttons
    await slack.user.slash_command("start printer-spool", user_id="U2", channel_id="C1")
    card = await wait_post(api, lambda d: "Printer spooler stuck" in plain(d) and not d.get("thread_ts"))
    thread = next(m["ts"] for m in api.posted(channel="C1") if not m.get("thread_ts") and m["text"] == card["text"])
    first = await wait_post(api, lambda d: d.get("thread_ts") == thread and "Restart the print spooler" in plain(d))
    assert "Restart the Print Spooler service." in plain(first) and "Restart-Service Spooler" in plain(first)
    first_ts = api.posted(channel="C1", thread_ts=thread)[-1]["ts"]
    await click(slack, find_button(blocks_of(first), "✓ Done"), "U2", first_ts, thread)
    await api.wait_for(lambda c: c.path.endswith("chat.update") and c.data.get("ts") == first_ts, WAIT_S)
    answered = api.messages[("C1", first_ts)]
    assert [b["text"] for b in buttons_in(answered["blocks"])] == ["👍", "👎", "Add a review"]

    # a second click replaces the first; the review modal (pre-filled) saves a thumb and a short review; a review
    # that is too long is refused and changes nothing
    await click(slack, find_button(answered["blocks"], "👍"), "U2", first_ts, thread)
    await wait_ephemeral(api, said_to("U2", "you rated *Restart the print spooler* 👍"))
    await click(slack, find_button(answered["blocks"], "👎"), "U2", first_ts, thread)
    await wait_ephemeral(api, said_to("U2", "you rated *Restart the print spooler* 👎"))
    review = await open_review(slack, find_button(answered["blocks"], "Add a review"), first_ts, thread)
    assert review["title"]["text"] == "Review step" and review["submit"]["text"] == "Save"
    thumb = next(b for b in review["blocks"] if b["block_id"] == "thumb")
    assert thumb["element"]["initial_value"] == "down"  # pre-filled with Bob's current thumb
    long: Form = {"thumb": "up", "review": "x" * 281}
    await slack.user.view_submission(review["callback_id"], review["private_metadata"], long, user_id="U2")
    await wait_ephemeral(api, said_to("U2", "Keep the review to 280 characters (it has 281)"))
    review = await open_review(slack, find_button(answered["blocks"], "Add a review"), first_ts, thread)
    short: Form = {"thumb": "up", "review": REVIEW}
    await slack.user.view_submission(review["callback_id"], review["private_metadata"], short, user_id="U2")
    await wait_ephemeral(api, said_to("U2", "your review of *Restart the print spooler* is saved"))

    # the second step doesn't work: the best-rated alternatives, the praised step first, the failed one not offered
    second = await wait_post(api, lambda d: d.get("thread_ts") == thread and "Clear the stuck print queue" in plain(d))
    second_ts = next(p["ts"] for p in api.posted(channel="C1", thread_ts=thread) if p["text"] == second["text"])
    await click(slack, find_button(blocks_of(second), "Didn't work"), "U2", second_ts, thread)
    offer = await wait_post(api, lambda d: d.get("thread_ts") == thread and "Best-rated alternatives" in plain(d))
    titles = [t for t in text_fields(blocks_of(offer)) if t.startswith("*")]
    assert [t.split("\n")[0] for t in titles] == ["*Restart the print spooler*", "*Check the printer driver version*"]
    assert "👍 1 · 👎 0 · used 1×" in titles[0] and "👍 0 · 👎 0 · used 0×" in titles[1]
    offer_ts = next(p["ts"] for p in api.posted(channel="C1", thread_ts=thread) if p["text"] == offer["text"])
    await click(slack, find_button(blocks_of(offer), "Show"), "U2", offer_ts, thread)
    shown = await wait_ephemeral(api, said_to("U2", "📚 Restart the print spooler", REVIEW))
    assert "— Bob Li" in plain(shown)

    # `/rf steps` lists every step with its ratings, best first
    await slack.user.slash_command("steps", user_id="U2", channel_id="C2")
    listed = await wait_ephemeral(api, said_to("U2", "Best-rated steps"))
    lines = [t for t in text_fields(blocks_of(listed)) if t.startswith("*")]
    assert (
        lines[0].startswith("*Restart the print spooler* — `" + ids["spooler"]) and "👍 1 · 👎 0 · used 1×" in lines[0]
    )
    assert sorted(line.split(" — ")[0] for line in lines[1:]) == [
        "*Check the printer driver version*",
        "*Clear the stuck print queue*",
    ]
    assert all("👍 0 · 👎 0 · used 0×" in line for line in lines[1:])

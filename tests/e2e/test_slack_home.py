"""Slack App Home end to end: opening the Home tab publishes the user's sessions; Resume there continues the session
in its own channel thread."""

from __future__ import annotations

import json

from bot.engine.model import SessionStatus
from bot.handlers.slack.ids import ButtonValue
from tests.e2e.slack_transcript import WAIT_S, Slack, text_of, wait_count, wait_post
from tests.fakes.slack_driver import find_button


async def _paused_session(slack: Slack) -> str:
    """Start a VPN session in C1 and pause it; returns the thread (the card's ts)."""
    api, user = slack.api, slack.user
    await user.slash_command("start vpn-wont-connect #12345", user_id="U1", channel_id="C1")
    await wait_post(api, lambda d: "VPN will not connect" in text_of(d) and not d.get("thread_ts"))
    card_ts = next(m["ts"] for m in api.posted(channel="C1") if not m.get("thread_ts"))
    await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "public website" in text_of(d))
    await user.slash_command("pause", user_id="U1", channel_id="C1")
    await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "paused" in text_of(d).lower())
    return card_ts


async def test_home_lists_the_session_and_resume_continues_in_its_thread(slack: Slack) -> None:
    api, user = slack.api, slack.user
    card_ts = await _paused_session(slack)

    reply = await user.app_home_opened("U1")
    assert reply.status == 200
    published = await api.wait_for(lambda c: c.path.endswith("views.publish"), WAIT_S)
    assert published.data["user_id"] == "U1"
    view = published.data["view"] if isinstance(published.data["view"], dict) else json.loads(published.data["view"])
    assert view["type"] == "home" and "VPN will not connect" in json.dumps(view) and "paused" in json.dumps(view)
    resume = find_button(view["blocks"], "Resume")

    posts_before = len(api.posted())
    reply = await user.home_action(resume["action_id"], resume["value"], user_id="U1")
    assert reply.status == 200
    resumed = await wait_post(api, lambda d: "resumed" in text_of(d).lower())
    assert (resumed["channel"], resumed.get("thread_ts")) == ("C1", card_ts)
    await wait_count(
        api, "chat.postMessage", lambda d: d.get("thread_ts") == card_ts and "public website" in text_of(d), 2
    )
    after = api.posted()[posts_before:]
    assert after and all((p["channel"], p.get("thread_ts")) == ("C1", card_ts) for p in after)
    assert not api.ephemerals(), "nothing was refused"
    async with slack.bot.app.database.uow() as uow:
        team = await uow.teams.get_by_name("slack:T1")
        assert team is not None
        session = await uow.sessions.get(team.id, ButtonValue.decode(resume["value"]).session_id)
    assert session is not None and session.status is SessionStatus.ACTIVE
    assert session.conversation["channel"] == "C1" and session.conversation["thread"] == card_ts


async def test_messages_tab_publishes_nothing(slack: Slack) -> None:
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages", "event_ts": "1.000001"}
    assert (await slack.user.event(event)).status == 200
    await slack.user.app_home_opened("U1")
    await slack.api.wait_for(lambda c: c.path.endswith("views.publish"), WAIT_S)
    assert len(slack.api.calls_to("views.publish")) == 1
    blocks = slack.api.home_views()[0]["view"]["blocks"]
    assert "No open sessions" in json.dumps(blocks)


async def test_a_refused_home_click_is_answered_in_the_apps_dm(slack: Slack) -> None:
    api, user = slack.api, slack.user
    card_ts = await _paused_session(slack)
    await user.app_home_opened("U1")
    published = await api.wait_for(lambda c: c.path.endswith("views.publish"), WAIT_S)
    view = published.data["view"] if isinstance(published.data["view"], dict) else json.loads(published.data["view"])
    resume = find_button(view["blocks"], "Resume")
    await user.home_action(resume["action_id"], resume["value"], user_id="U1")
    await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "resumed" in text_of(d).lower())

    await user.home_action(resume["action_id"], resume["value"], user_id="U1")  # the same, now stale, button
    told = await wait_post(api, lambda d: d.get("channel") == "D1")
    assert "Nothing changed" in text_of(told) and not told.get("thread_ts")
    assert [p.get("users") for p in api.method_calls("conversations.open")] == ["U1"]
    assert not [c for c in api.calls_to("chat.postEphemeral")], "no ephemeral aimed at a channel that isn't there"

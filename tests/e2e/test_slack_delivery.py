"""Slack Web API failures end to end: a 429 is retried after ``Retry-After`` and delivered once; an error that no retry
can fix is logged and the person who clicked is told, privately, where it happened."""

from __future__ import annotations

import json
import logging

import pytest

from tests.e2e.slack_transcript import WAIT_S, Slack, blocks_of, text_of, wait_post
from tests.fakes.slack_driver import find_button

RATE_LIMITED = {"ok": False, "error": "ratelimited"}


async def _start(slack: Slack) -> tuple[str, dict[str, object]]:
    """Start a VPN session in C1; returns the thread (the card's ts) and the first step's ``chat.postMessage``."""
    api = slack.api
    await slack.user.slash_command("start vpn-wont-connect #12345", user_id="U1", channel_id="C1")
    await api.wait_for(lambda _: any("public website" in text_of(p) for p in api.posted(channel="C1")), WAIT_S)
    card_ts = next(m["ts"] for m in api.posted(channel="C1") if not m.get("thread_ts"))
    step = next(p for p in api.posted(channel="C1", thread_ts=card_ts) if "public website" in text_of(p))
    return card_ts, step


async def _click_yes(slack: Slack, card_ts: str, step: dict[str, object]) -> str:
    yes = find_button(blocks_of(step), "Yes")
    step_ts = str(step["ts"])
    reply = await slack.user.block_action(
        yes["action_id"], yes["value"], user_id="U1", channel_id="C1", message_ts=step_ts, thread_ts=card_ts
    )
    assert reply.status == 200
    return step_ts


async def test_rate_limited_calls_are_retried_after_retry_after_and_delivered_once(slack: Slack) -> None:
    api = slack.api
    api.fail_next("chat.postMessage", 429, RATE_LIMITED, {"Retry-After": "1"})
    card_ts, step = await _start(slack)
    first, retry, *_ = api.calls_to("chat.postMessage")
    assert first.body == retry.body and "VPN will not connect" in text_of(retry.data)
    assert retry.time - first.time >= 1.0, "the retry waited for Retry-After (a lower bound, never flaky)"
    assert len([p for p in api.posted(channel="C1") if not p.get("thread_ts")]) == 1, "one card"

    api.fail_next("chat.update", 429, RATE_LIMITED, {"Retry-After": "1"})
    step_ts = await _click_yes(slack, card_ts, step)
    await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "What happens" in text_of(d))
    attempts = [c for c in api.calls_to("chat.update") if c.data.get("ts") == step_ts]
    delivered = [u for u in api.updates() if u.get("ts") == step_ts]
    assert len(attempts) == 2 and attempts[0].body == attempts[1].body and len(delivered) == 1
    assert attempts[1].time - attempts[0].time >= 1.0
    assert len([p for p in api.posted(channel="C1", thread_ts=card_ts) if "What happens" in text_of(p)]) == 1
    assert not api.ephemerals(), "nobody was told of a failure"


async def test_a_slack_error_is_logged_and_the_clicker_told_privately(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    api = slack.api
    card_ts, step = await _start(slack)
    posts_before = len(api.calls_to("chat.postMessage"))
    api.fail_next("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
    with caplog.at_level(logging.ERROR, logger="bot.handlers.slack.sender"):
        step_ts = await _click_yes(slack, card_ts, step)
        told = await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral"), WAIT_S)
    assert (told.data["channel"], told.data["user"], told.data.get("thread_ts")) == ("C1", "U1", card_ts)
    assert "channel_not_found" in told.data["text"] and "/rf status" in told.data["text"]
    assert [u for u in api.updates() if u.get("ts") == step_ts], "the answer itself was shown"
    assert len(api.calls_to("chat.postMessage")) == posts_before + 1, "not retried: no retry can fix it"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("channel_not_found" in e and "Post" in e for e in errors), errors
    assert "What happens" not in json.dumps([p for p in api.posted() if p.get("thread_ts") == card_ts])

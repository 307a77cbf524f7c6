"""Slack end to end: the real served app, signed requests from the driver, the fake Web API receiving the calls."""

from __future__ import annotations

import json

from tests.e2e.slack_transcript import Slack, blocks_of, text_of, wait_post
from tests.fakes.slack_driver import buttons_in, find_button


async def test_slash_command_thread_clicks_resolve_modal_note(slack: Slack) -> None:
    api, user = slack.api, slack.user
    reply = await user.slash_command("start vpn-wont-connect #12345", user_id="U1", channel_id="C1")
    assert reply.status == 200
    card = await wait_post(api, lambda d: "VPN will not connect" in text_of(d) and not d.get("thread_ts"))
    assert "Alice Ng" in text_of(card)  # the real name from users.info, not the handle
    card_ts = next(m["ts"] for m in api.posted(channel="C1") if not m.get("thread_ts"))
    step = await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "public website" in text_of(d))
    assert "#12345" in text_of(card)
    step_ts = api.posted(channel="C1", thread_ts=card_ts)[-1]["ts"]
    yes = find_button(blocks_of(step), "Yes")
    status = await user.block_action(
        yes["action_id"],
        yes["value"],
        user_id="U1",
        channel_id="C1",
        message_ts=step_ts,
        thread_ts=card_ts,
        action_ts="1700000100.000001",
    )
    assert status.status == 200
    await api.wait_for(lambda c: c.path.endswith("chat.update") and c.data.get("ts") == step_ts)
    updated = api.messages[("C1", step_ts)]
    assert "Yes" in json.dumps(updated) and not buttons_in(updated.get("blocks", []))

    # the same click delivered again (Slack retry) takes effect once; a second person's click on the old
    # button is told who answered it
    await user.block_action(
        yes["action_id"],
        yes["value"],
        user_id="U1",
        channel_id="C1",
        message_ts=step_ts,
        thread_ts=card_ts,
        retry_num=1,
        action_ts="1700000100.000001",
    )
    await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "What happens" in text_of(d))
    await user.block_action(
        yes["action_id"], yes["value"], user_id="U2", channel_id="C1", message_ts=step_ts, thread_ts=card_ts
    )
    await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral") and "already answered" in json.dumps(c.data))

    # text typed in the thread becomes a note on the current step
    await user.message_in_thread("router rebooted, still failing", "C1", card_ts, "U1")
    await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral") and "Note saved" in json.dumps(c.data))

    # resolve from the channel: the modal opens with the trigger id, submitting it writes the note
    await user.slash_command("resolve", user_id="U1", channel_id="C1")
    opened = await api.wait_for(lambda c: c.path.endswith("views.open"))
    view = opened.data["view"] if isinstance(opened.data["view"], dict) else json.loads(opened.data["view"])
    await user.view_submission(
        view["callback_id"],
        view["private_metadata"],
        {"summary": "Reinstalled the VPN client.", "followups": ""},
        user_id="U1",
    )
    note = await wait_post(api, lambda d: d.get("thread_ts") == card_ts and "Ticket note" in text_of(d))
    assert "Reinstalled the VPN client." in text_of(note)
    assert len([u for u in api.updates() if u.get("ts") == step_ts]) == 1
    assert len([p for p in api.posted(channel="C1", thread_ts=card_ts) if "What happens" in json.dumps(p)]) == 1
    stale_notices = [e for e in api.ephemerals() if "already answered" in json.dumps(e)]
    assert [e.get("user") for e in stale_notices] == ["U2"]  # the redelivery never reached the engine


async def test_bad_signature_is_refused_and_changes_nothing(slack: Slack) -> None:
    body = b"command=%2Frf&text=start+vpn&team_id=T1&user_id=U1&channel_id=C1&trigger_id=t1"
    stale = await slack.user.raw(body, "application/x-www-form-urlencoded", timestamp="1")
    forged = await slack.user.raw(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert stale.status == 401 and forged.status == 401
    async with slack.bot.app.database.uow() as uow:
        assert await uow.inbox.pending() == []


async def test_health_and_metrics(slack: Slack) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(slack.bot.url + "/healthz") as resp:
            assert resp.status == 200 and (await resp.json())["database"] is True
        await slack.user.slash_command("help", user_id="U1", channel_id="C1")
        async with http.get(slack.bot.url + "/metrics") as resp:
            text = await resp.text()
    assert 'rfbot_http_requests_total{route="/slack/events",status="200"}' in text
    assert "rfbot_ack_seconds_bucket" in text


async def test_url_verification_echoes_the_challenge_only_when_signed(slack: Slack) -> None:
    assert await slack.user.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") == (
        200,
        {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"},
    )
    unsigned = await slack.user.url_verification("forged-challenge", signed=False)
    assert unsigned.status == 401 and "forged-challenge" not in json.dumps(unsigned.body)
    async with slack.bot.app.database.uow() as uow:
        assert await uow.inbox.pending() == []

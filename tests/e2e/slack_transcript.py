"""What the Slack end-to-end tests share: the served bot with its fake Web API and a signed driver, and readers for
what the fake received."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from tests.e2e.slack_server import SIGNING_SECRET, RunningBot, running_bot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver

WAIT_S = 10.0  # how long to wait for the worker's Slack calls (a bound on waiting, not a timing assertion)


@dataclass
class Slack:
    """Everything a transcript test needs."""

    api: FakeSlackApi
    bot: RunningBot
    user: SlackDriver


@asynccontextmanager
async def slack_session(database_url: str) -> AsyncIterator[Slack]:
    """The fake Web API (with user U1, Alice Ng), the bot served against it, and a driver signing as Slack."""
    async with FakeSlackApi() as api:
        api.add_user("T1", "U1", "Alice Ng", "alice@example.invalid")
        async with running_bot(database_url, api.base_url) as bot, SlackDriver(bot.url, SIGNING_SECRET, api) as user:
            yield Slack(api, bot, user)


async def wait_post(api: FakeSlackApi, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first ``chat.postMessage`` the fake received whose parameters match (waits for it)."""
    call = await api.wait_for(lambda c: c.path.endswith("chat.postMessage") and predicate(c.data), WAIT_S)
    return dict(call.data)


async def wait_count(api: FakeSlackApi, path_suffix: str, predicate: Callable[[dict[str, Any]], bool], n: int) -> None:
    """Wait until at least ``n`` calls to ``path_suffix`` matching ``predicate`` have arrived."""

    def enough(_: object) -> bool:
        return len([c for c in api.calls_to(path_suffix) if predicate(c.data)]) >= n

    await api.wait_for(enough, WAIT_S)


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait until ``check()`` holds (the worker runs in the background); fail after ``WAIT_S`` naming ``what``."""
    deadline = time.monotonic() + WAIT_S
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT_S}s: {what}")
        await asyncio.sleep(0.02)


def blocks_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``blocks`` of a call's parameters (slack_sdk may send them as a JSON string)."""
    blocks = data.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def text_of(data: dict[str, Any]) -> str:
    """Blocks and fallback text of a call, as one searchable string."""
    return json.dumps(blocks_of(data)) + str(data.get("text", ""))


def text_fields(value: Any) -> Iterator[str]:
    """Every string under a ``text`` key (fallback text, mrkdwn and plain_text objects), at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from text_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_fields(item)


async def wait_ephemeral(api: FakeSlackApi, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first ``chat.postEphemeral`` the fake received whose parameters match (waits for it)."""
    call = await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral") and predicate(c.data), WAIT_S)
    return dict(call.data)


async def share_files(
    slack: Slack, text: str, *files: dict[str, Any], user_id: str = "U1", channel: str = "D1", team_id: str = "T1"
) -> None:
    """``user_id`` shares ``files`` (Slack file objects, see ``FakeSlackApi.add_file``) with the message ``text``, as
    Slack delivers it: in a DM (``D…``) a ``file_share`` message; in a channel the ``file_share`` message and the
    ``app_mention`` event of the same message (``text`` mentions the bot)."""
    api, ts = slack.api, slack.api.next_ts()
    event: dict[str, Any] = {"type": "message", "subtype": "file_share", "user": user_id, "ts": ts, "event_ts": ts}
    event |= {"channel": channel, "team": team_id, "files": list(files), "upload": False}
    if channel.startswith("D"):
        await slack.user.event(event | {"text": text, "channel_type": "im"}, team_id)
        return
    bot_user_id = api.workspaces[team_id].bot_user_id
    mention = f"<@{bot_user_id}> {text}"
    await slack.user.event(event | {"text": mention, "channel_type": "channel"}, team_id)
    await slack.user.event(
        {k: v for k, v in event.items() if k != "subtype"} | {"type": "app_mention", "text": mention}, team_id
    )

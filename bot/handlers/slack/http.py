"""Slack's inbound side: bolt's ``AsyncApp`` verifies every request; each listener translates the payload,
persists the event through ``Intake`` and acknowledges. Nothing slow happens before ``ack()``.

Events API deliveries (messages, mentions, App Home opened) are acknowledged by bolt itself as soon as a listener
matches (``process_before_response`` is off), so those listeners only translate and persist. Bolt matches our
listeners by action id / callback id pattern (``ids``). Retried deliveries and double clicks carry the same dedupe
key, so the inbox takes them once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.engine.events import InboundEvent
from bot.handlers.slack import ids, translate

log = logging.getLogger(__name__)
PLATFORM = "slack"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
UNREADABLE = "Sorry — I couldn't read that click (it may come from an older message). Try `/rf status`."


class IntakePort(Protocol):
    """What the listeners need from the composition root."""

    async def team_for(self, platform: str, workspace: str) -> str:
        """Our team for a Slack workspace."""
        ...

    async def accept(self, platform: str, event: InboundEvent) -> bool:
        """Persist an event for the worker."""
        ...


def register(app: AsyncApp, intake: IntakePort, now: Callable[[], datetime], command: str = "/rf") -> None:
    """Attach our listeners to a bolt app."""

    async def accept_all(body: dict[str, Any], events: list[InboundEvent]) -> None:
        for event in events:
            await intake.accept(PLATFORM, event)

    async def team_of(body: dict[str, Any]) -> str:
        return await intake.team_for(PLATFORM, translate.team_of(body))

    @app.command(command)
    async def on_command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        try:
            event = translate.command_event(body, await team_of(body), now(), bot_user_id=context.bot_user_id or "")
        except translate.Untranslatable as err:
            log.warning("unreadable slash command: %s", err)
            await ack(UNREADABLE)
            return
        await intake.accept(PLATFORM, event)
        await ack()

    @app.action(ids.ACTION_PATTERN)
    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            events = translate.action_events(body, await team_of(body), now())
        except translate.Untranslatable as err:
            log.warning("unreadable block action: %s", err)
            await ack()
            return
        await accept_all(body, list(events))
        await ack()

    @app.view(ids.FORM_PATTERN)
    async def on_view(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            event = translate.form_event(body, await team_of(body), now())
        except translate.Untranslatable as err:
            log.warning("unreadable modal submission: %s", err)
            await ack(response_action="errors", errors={})
            return
        await intake.accept(PLATFORM, event)
        await ack()

    async def on_message_event(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        try:
            translated = translate.message_event(event, body, await team_of(body), now(), context.bot_user_id or "")
        except translate.Untranslatable as err:
            log.warning("unreadable %s event: %s", event.get("type"), err)
            return
        if translated is not None:
            await intake.accept(PLATFORM, translated)

    async def on_home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        try:
            translated = translate.home_event(event, body, await team_of(body), now())
        except translate.Untranslatable as err:
            log.warning("unreadable app_home_opened event: %s", err)
            return
        if translated is not None:
            await intake.accept(PLATFORM, translated)

    app.event("message")(on_message_event)
    app.event("app_mention")(on_message_event)
    app.event("app_home_opened")(on_home_opened)


def aiohttp_handler(
    app: AsyncApp, observe_ack: Callable[[float, int], None] | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler for ``POST /slack/events`` that dispatches to bolt."""

    async def handle(request: web.Request) -> web.Response:
        started = time.perf_counter()
        stamp = request.headers.get(TIMESTAMP_HEADER, "")
        if stamp and not (stamp.isascii() and stamp.isdigit()):  # slack_sdk's verifier would raise on int(): a 500
            return web.json_response({"error": "invalid request"}, status=401)  # what bolt answers a bad signature
        response = await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))
        if observe_ack is not None:
            observe_ack(time.perf_counter() - started, response.status)
        return response

    return handle

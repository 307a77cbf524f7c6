"""Plays Slack towards our app: correctly signed slash commands, interactivity payloads and Events API callbacks.

Every request is POSTed to ``<app base URL>/slack/events`` with ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature``
computed over the exact raw body. ``trigger_id``s and ``response_url``s point at a ``FakeSlackApi`` when one is given.
"""

from __future__ import annotations

import itertools
import json
import time
from types import TracebackType
from typing import Any, NamedTuple, Self
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_blocks import ButtonRef, buttons_in, find_button

__all__ = ["ButtonRef", "SlackDriver", "SlackReply", "buttons_in", "find_button"]  # block helpers re-exported

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class SlackReply(NamedTuple):
    """What our app answered: HTTP status and the body (parsed JSON when possible, else text)."""

    status: int
    body: Any


class SlackDriver:
    """Sends signed Slack requests to our app at ``app_url`` (use ``async with``; one ClientSession per driver)."""

    def __init__(
        self, app_url: str, signing_secret: str, api: FakeSlackApi | None = None, path: str = "/slack/events"
    ) -> None:
        self.url = app_url.rstrip("/") + path
        self.api = api
        self.verifier = SignatureVerifier(signing_secret)
        self.last_headers: dict[str, str] = {}
        self.last_trigger_id = ""
        self.last_response_id = ""
        self._seq = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- plumbing -----------------------------------------------------------------------------------------------
    def _ws(self, team_id: str) -> tuple[str, str, str]:
        """(team domain, bot user id, app id) for ``team_id``."""
        ws = self.api.workspaces.get(team_id) if self.api else None
        return (ws.team_name.lower(), ws.bot_user_id, ws.app_id) if ws else ("acme", "UBOT", "A1")

    def _ts(self) -> str:
        return self.api.next_ts() if self.api else f"{int(time.time())}.{next(self._seq):06d}"

    def _trigger_and_response_url(self) -> tuple[str, str]:
        n = next(self._seq)
        self.last_trigger_id = f"{n}.{int(time.time())}.{n:032x}"
        self.last_response_id = f"r{n}"
        base = self.api.base_url if self.api else "http://127.0.0.1:9"
        return self.last_trigger_id, f"{base}/response/{self.last_response_id}"

    async def raw(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> SlackReply:
        """POST ``body`` as is; sign it with ``timestamp`` (default now) unless ``signature`` is given. With
        ``signed=False`` no ``X-Slack-*`` signature headers are sent at all."""
        if self._session is None:
            raise RuntimeError("use `async with SlackDriver(...)`")
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        signature = signature or self.verifier.generate_signature(timestamp=timestamp, body=body) or ""
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
        if not signed:
            sent = {"Content-Type": content_type}
        async with self._session.post(self.url, data=body, headers=sent | (headers or {})) as resp:
            text = await resp.text()
            self.last_headers = dict(resp.headers)
            try:
                return SlackReply(resp.status, json.loads(text) if text else "")
            except ValueError:
                return SlackReply(resp.status, text)

    def _retry_headers(self, retry_num: int | None, retry_reason: str) -> dict[str, str]:
        return {} if retry_num is None else {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}

    async def _interactive(self, payload: dict[str, Any], retry_num: int | None = None) -> SlackReply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.raw(body, FORM, headers=self._retry_headers(retry_num, "http_timeout"))

    # ---- slash commands and interactivity -----------------------------------------------------------------------
    async def slash_command(
        self, text: str, user_id: str = "U1", channel_id: str = "C1", team_id: str = "T1", command: str = "/rf"
    ) -> SlackReply:
        """Invoke ``command text`` as ``user_id`` in ``channel_id`` (form-encoded, like Slack)."""
        domain, _, app_id = self._ws(team_id)
        trigger_id, response_url = self._trigger_and_response_url()
        form = {"token": "verification-token", "team_id": team_id, "team_domain": domain, "channel_id": channel_id}
        form |= {"channel_name": "general" if channel_id.startswith("C") else "directmessage", "user_id": user_id}
        form |= {"user_name": user_id.lower(), "command": command, "text": text, "api_app_id": app_id}
        form |= {"is_enterprise_install": "false", "response_url": response_url, "trigger_id": trigger_id}
        return await self.raw(urlencode(form).encode(), FORM)

    def _user(self, user_id: str, team_id: str) -> dict[str, str]:
        return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}

    async def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str,
        channel_id: str,
        message_ts: str,
        thread_ts: str | None = None,
        team_id: str = "T1",
        selected_option: dict[str, Any] | str | None = None,
        retry_num: int | None = None,
        block_id: str = "actions",
        action_ts: str | None = None,
    ) -> SlackReply:
        """Click button ``action_id`` (or pick ``selected_option`` in a select) on message ``message_ts``.
        Pass the ``action_ts`` of an earlier call to replay the same click (a Slack redelivery)."""
        domain, _, app_id = self._ws(team_id)
        trigger_id, response_url = self._trigger_and_response_url()
        message = dict(self.api.message(channel_id, message_ts) or {}) if self.api else {}
        message = {"type": "message", "text": "", "ts": message_ts} | message
        container = {"type": "message", "message_ts": message_ts, "channel_id": channel_id, "is_ephemeral": False}
        if thread_ts:
            message["thread_ts"] = container["thread_ts"] = thread_ts
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": action_ts or self._ts()}
        if selected_option is None:
            action |= {"type": "button", "value": value, "text": {"type": "plain_text", "text": value, "emoji": True}}
        else:
            if isinstance(selected_option, str):
                selected_option = {"text": {"type": "plain_text", "text": selected_option}, "value": selected_option}
            action |= {"type": "static_select", "selected_option": selected_option}
        payload: dict[str, Any] = {"type": "block_actions", "user": self._user(user_id, team_id), "api_app_id": app_id}
        payload |= {"token": "verification-token", "team": {"id": team_id, "domain": domain}, "enterprise": None}
        payload |= {"is_enterprise_install": False, "trigger_id": trigger_id, "container": container}
        payload |= {"channel": {"id": channel_id, "name": "general"}, "message": message, "state": {"values": {}}}
        payload |= {"response_url": response_url, "actions": [action]}
        return await self._interactive(payload, retry_num)

    async def home_action(
        self, action_id: str, value: str, *, user_id: str, team_id: str = "T1", action_ts: str | None = None
    ) -> SlackReply:
        """Click button ``action_id`` on ``user_id``'s App Home: the view last published for them (``views.publish``
        on the fake API). Slack sends no channel, message or ``response_url`` for this surface."""
        domain, _, app_id = self._ws(team_id)
        trigger_id, _ = self._trigger_and_response_url()
        known = self.api.home.get(user_id) if self.api else None
        view: dict[str, Any] = dict(known) if known else {"id": f"V{next(self._seq):08d}", "hash": "1.h", "blocks": []}
        view |= {"type": "home", "team_id": team_id}
        action: dict[str, Any] = {"action_id": action_id, "block_id": "actions", "action_ts": action_ts or self._ts()}
        action |= {"type": "button", "value": value, "text": {"type": "plain_text", "text": value, "emoji": True}}
        payload: dict[str, Any] = {"type": "block_actions", "user": self._user(user_id, team_id), "api_app_id": app_id}
        payload |= {"token": "verification-token", "team": {"id": team_id, "domain": domain}, "enterprise": None}
        payload |= {"is_enterprise_install": False, "trigger_id": trigger_id}
        payload |= {"container": {"type": "view", "view_id": view["id"]}, "view": view, "actions": [action]}
        return await self._interactive(payload)

    async def view_submission(
        self,
        callback_id: str,
        private_metadata: str,
        values: dict[str, str | dict[str, Any]],
        user_id: str,
        team_id: str = "T1",
    ) -> SlackReply:
        """Submit a modal: ``values[block_id]`` is the text typed (action id ``value``) or a full action map."""
        domain, _, app_id = self._ws(team_id)
        trigger_id, _ = self._trigger_and_response_url()
        known = [v for v in (self.api.views.values() if self.api else []) if v.get("callback_id") == callback_id]
        view: dict[str, Any] = dict(known[-1]) if known else {"id": f"V{next(self._seq):08d}", "hash": "1.h"}
        view |= {"type": "modal", "callback_id": callback_id, "private_metadata": private_metadata}
        state = {
            b: v if isinstance(v, dict) else {"value": {"type": "plain_text_input", "value": v}}
            for b, v in values.items()
        }
        view["state"] = {"values": state}
        payload: dict[str, Any] = {"type": "view_submission", "team": {"id": team_id, "domain": domain}}
        payload |= {"user": self._user(user_id, team_id), "api_app_id": app_id, "token": "verification-token"}
        payload |= {"trigger_id": trigger_id, "view": view, "response_urls": [], "is_enterprise_install": False}
        return await self._interactive(payload)

    # ---- Events API ---------------------------------------------------------------------------------------------
    async def event(
        self,
        event: dict[str, Any],
        team_id: str = "T1",
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> SlackReply:
        """Deliver ``event`` in an ``event_callback`` envelope; pass the same ``event_id`` + ``retry_num`` to retry."""
        _, bot_user_id, app_id = self._ws(team_id)
        auth = {"enterprise_id": None, "team_id": team_id, "user_id": bot_user_id, "is_bot": True}
        envelope: dict[str, Any] = {"token": "verification-token", "team_id": team_id, "api_app_id": app_id}
        envelope |= {"event": event, "type": "event_callback", "event_id": event_id or f"Ev{next(self._seq):08X}"}
        envelope |= {"event_time": int(time.time()), "authorizations": [auth | {"is_enterprise_install": False}]}
        envelope |= {"is_ext_shared_channel": False, "event_context": f"4-ctx-{next(self._seq)}"}
        body = json.dumps(envelope).encode()
        return await self.raw(body, JSON, headers=self._retry_headers(retry_num, retry_reason))

    def _message(
        self, kind: str, text: str, channel: str, user_id: str, ts: str | None, team_id: str
    ) -> dict[str, Any]:
        ts = ts or self._ts()
        kind_of_channel = {"D": "im", "G": "group"}.get(channel[:1], "channel")
        return {
            "type": kind,
            "user": user_id,
            "text": text,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "channel_type": kind_of_channel,
            "team": team_id,
            "client_msg_id": f"msg-{next(self._seq)}",
        }

    def _remember(self, event: dict[str, Any], team_id: str) -> None:
        if self.api and team_id in self.api.workspaces:
            self.api.add_message(
                team_id, event["channel"], event["text"], event["user"], event["ts"], event.get("thread_ts")
            )

    async def message_in_thread(
        self, text: str, channel: str, thread_ts: str, user_id: str, parent_user_id: str = "UBOT", team_id: str = "T1"
    ) -> SlackReply:
        """A person replies ``text`` in the thread ``thread_ts`` (also recorded in the fake API's messages)."""
        event = self._message("message", text, channel, user_id, None, team_id)
        event |= {"thread_ts": thread_ts, "parent_user_id": parent_user_id}
        self._remember(event, team_id)
        return await self.event(event, team_id)

    async def app_mention(
        self,
        text: str,
        channel: str,
        user_id: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        team_id: str = "T1",
    ) -> SlackReply:
        """A person @-mentions the bot; ``<@BOT>`` is prefixed to ``text`` unless it already mentions someone."""
        bot_user_id = self._ws(team_id)[1]
        text = text if "<@" in text else f"<@{bot_user_id}> {text}"
        event = self._message("app_mention", text, channel, user_id, ts, team_id)
        if thread_ts:
            event["thread_ts"] = thread_ts
        self._remember(event, team_id)
        return await self.event(event, team_id)

    async def app_home_opened(self, user_id: str, team_id: str = "T1") -> SlackReply:
        """``user_id`` opens the bot's Home tab."""
        event = {"type": "app_home_opened", "user": user_id, "channel": "D" + user_id[1:], "tab": "home"}
        return await self.event(event | {"event_ts": self._ts()}, team_id)

    async def url_verification(self, challenge: str, signed: bool = True) -> SlackReply:
        """Slack's endpoint check; the app must echo ``{"challenge": challenge}`` (``signed=False``: no signature)."""
        body = {"token": "verification-token", "challenge": challenge, "type": "url_verification"}
        return await self.raw(json.dumps(body).encode(), JSON, signed=signed)

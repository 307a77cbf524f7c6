"""A loopback fake of the Slack Web API (``/api/<method>``) plus ``response_url`` endpoints (``/response/<id>``),
private file downloads (``add_file``; see ``tests.fakes.slack_files``) and file uploads (``uploads``; see
``tests.fakes.slack_uploads``).

Point slack_sdk at it with ``WebClient(token="xoxb-test-T1", base_url=fake.base_url + "/api/")``. Success is HTTP 200
with ``{"ok": true, ...}``; API errors are HTTP 200 with ``{"ok": false, "error": ...}``, as Slack does.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.http_fake import RECORDED, LoopbackFake, parse_body
from tests.fakes.slack_files import Download, SlackFileHost
from tests.fakes.slack_uploads import SlackUploads, UploadedFile, UploadError

Params = dict[str, Any]
DEFAULT_SCOPES = (
    "app_mentions:read,channels:history,chat:write,commands,files:read,im:write,users:read,users:read.email"
)


class SlackError(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": error}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Workspace:
    """One installed workspace: its bot identity, users and current messages."""

    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str = "UBOT"
    app_id: str = "A1"
    bot_id: str = "B1"
    scopes: str = DEFAULT_SCOPES
    users: dict[str, Params] = field(default_factory=dict)
    messages: dict[tuple[str, str], Params] = field(default_factory=dict)


@dataclass
class ApiCall:
    """One Web API call that reached a method handler (faulted requests are only in ``calls``)."""

    method: str
    team_id: str | None
    params: Params
    response: Params


class FakeSlackApi(LoopbackFake):
    """The Slack Web API, per-team state, and ``response_url`` sinks. Registers team ``T1``/"Acme" by default."""

    def __init__(self, client_id: str = "cid", client_secret: str = "csecret") -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.workspaces: dict[str, Workspace] = {}
        self.tokens: dict[str, str] = {}
        self.api_log: list[ApiCall] = []
        self.views: dict[str, Params] = {}
        self.home: dict[str, Params] = {}
        self._codes: dict[str, tuple[Workspace, str]] = {}
        self._used_triggers: set[str] = set()
        self._responses: dict[str, list[Params]] = {}
        self._seq = itertools.count(1)
        self.add_workspace("T1", "Acme", "xoxb-test-T1")
        self.app.router.add_route("*", "/api/{method}", self._api)
        self.app.router.add_post("/response/{rid}", self._response_url)
        self.file_host = SlackFileHost(self.app, self.tokens)
        self.file_uploads = SlackUploads(self.app, lambda: self.base_url)

    # ---- registration -------------------------------------------------------------------------------------------
    def add_workspace(
        self, team_id: str, team_name: str, bot_token: str, bot_user_id: str = "UBOT", app_id: str = "A1"
    ) -> Workspace:
        """Register a workspace whose ``bot_token`` the fake accepts."""
        ws = Workspace(team_id, team_name, bot_token, bot_user_id, app_id, bot_id=f"B{team_id}")
        self.workspaces[team_id] = ws
        self.tokens[bot_token] = team_id
        return ws

    def add_user(self, team_id: str, user_id: str, name: str, email: str) -> None:
        """Register a user for ``users.info``."""
        self.workspaces[team_id].users[user_id] = {"id": user_id, "name": name, "email": email}

    def add_oauth_code(
        self,
        code: str,
        team_id: str,
        team_name: str,
        bot_token: str,
        bot_user_id: str = "UBOT",
        app_id: str = "A1",
        scope: str = DEFAULT_SCOPES,
        authed_user_id: str = "U1",
    ) -> None:
        """Register a one-time ``code`` that ``oauth.v2.access`` exchanges for an install of ``team_id``."""
        ws = Workspace(team_id, team_name, bot_token, bot_user_id, app_id, bot_id=f"B{team_id}", scopes=scope)
        self._codes[code] = (ws, authed_user_id)

    def add_message(
        self, team_id: str, channel: str, text: str, user: str, ts: str | None = None, thread_ts: str | None = None
    ) -> str:
        """Seed a message written by a person (e.g. a thread parent) so ``conversations.replies`` can find it."""
        ts = ts or self.next_ts()
        msg: Params = {"type": "message", "user": user, "text": text, "ts": ts, "team": team_id}
        if thread_ts:
            msg["thread_ts"] = thread_ts
        self.workspaces[team_id].messages[(channel, ts)] = msg
        return ts

    def add_file(self, team_id: str, name: str, data: bytes, mimetype: str, **options: Any) -> Params:
        """Store a private file in ``team_id``; returns its file object (``url_private[_download]`` on this fake,
        downloadable with that workspace's bot token only). ``options``: see ``SlackFileHost.add``."""
        return self.file_host.add(self.base_url, team_id, name, data, mimetype, **options)

    @property
    def downloads(self) -> list[Download]:
        """Every request for a private file, in order."""
        return self.file_host.downloads

    @property
    def uploads(self) -> list[UploadedFile]:
        """Every file shared through ``files.completeUploadExternal``, with its bytes, in order."""
        return self.file_uploads.uploads

    def next_ts(self) -> str:
        """A fresh, strictly increasing message timestamp such as ``1700000000.000100``."""
        n = next(self._seq)
        return f"{1700000000 + n // 10000}.{(n % 10000) * 100:06d}"

    def url_for_response(self, rid: str) -> str:
        """A ``response_url`` on this fake; what is posted to it is returned by ``responses(rid)``."""
        return f"{self.base_url}/response/{rid}"

    # ---- inspection ---------------------------------------------------------------------------------------------
    @property
    def messages(self) -> dict[tuple[str, str], Params]:
        """Current content of every message of every team, keyed by ``(channel, ts)`` (updates applied)."""
        return {k: v for ws in self.workspaces.values() for k, v in ws.messages.items()}

    def message(self, channel: str, ts: str) -> Params | None:
        """The current content of one message (any team), or None; what ``messages`` holds, without copying it."""
        for ws in self.workspaces.values():
            msg = ws.messages.get((channel, ts))
            if msg is not None:
                return msg
        return None

    def method_calls(self, name: str) -> list[Params]:
        """Parameters of every call to Web API method ``name`` (including ones answered with an error)."""
        return [c.params for c in self.api_log if c.method == name]

    def _ok_calls(self, name: str, key: str | None = None) -> list[Params]:
        return [
            c.params | ({key: c.response[key]} if key else {})
            for c in self.api_log
            if c.method == name and c.response.get("ok")
        ]

    def posted(self, channel: str | None = None, thread_ts: str | None = None) -> list[Params]:
        """Successful ``chat.postMessage`` parameters (plus the assigned ``ts``), optionally filtered."""
        return [
            p
            for p in self._ok_calls("chat.postMessage", "ts")
            if (channel is None or p.get("channel") == channel)
            and (thread_ts is None or p.get("thread_ts") == thread_ts)
        ]

    def updates(self) -> list[Params]:
        """Successful ``chat.update`` parameters."""
        return self._ok_calls("chat.update")

    def ephemerals(self) -> list[Params]:
        """Successful ``chat.postEphemeral`` parameters (plus ``message_ts``)."""
        return self._ok_calls("chat.postEphemeral", "message_ts")

    def views_opened(self) -> list[Params]:
        """Successful ``views.open`` parameters (plus the resulting ``view``)."""
        return self._ok_calls("views.open", "view")

    def home_views(self) -> list[Params]:
        """Successful ``views.publish`` parameters (``user_id``, ``view``)."""
        return self._ok_calls("views.publish")

    def responses(self, rid: str) -> list[Params]:
        """JSON bodies posted to ``url_for_response(rid)``."""
        return self._responses.get(rid, [])

    # ---- HTTP handlers ------------------------------------------------------------------------------------------
    async def _response_url(self, request: web.Request) -> web.Response:
        posts = self._responses.setdefault(request.match_info["rid"], [])
        if len(posts) >= 5:  # Slack allows 5 uses per response_url
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        body = parse_body(await request.read(), "application/json")
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        posts.append(body)
        return web.json_response({"ok": True})

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: Params = dict(request.query)
        recorded = request.get(RECORDED)  # parsed once, by the recording middleware
        body = recorded.data if recorded is not None else parse_body(await request.read(), request.content_type)
        if isinstance(body, dict):
            params.update(body)
        for key in ("blocks", "view", "attachments", "metadata"):
            if isinstance(params.get(key), str) and params[key][:1] in ("[", "{"):
                params[key] = json.loads(params[key])
        headers: dict[str, str] = {}
        team_id: str | None = None
        try:
            if method == "oauth.v2.access":
                result = self._oauth(request.headers.get("Authorization", ""), params)
            else:
                auth = request.headers.get("Authorization", "")
                token = auth[7:] if auth.startswith("Bearer ") else str(params.get("token", ""))
                team_id = self.tokens.get(token) if token.startswith("xox") else None
                if team_id is None:
                    raise SlackError("invalid_auth")
                handler: Callable[[Workspace, Params], Params] | None = getattr(self, _handler_name(method), None)
                if handler is None:
                    raise SlackError("unknown_method")
                ws = self.workspaces[team_id]
                result = {"ok": True, **handler(ws, params)}
                if method == "auth.test":
                    headers["x-oauth-scopes"] = ws.scopes
        except (SlackError, UploadError) as err:
            result = {"ok": False, "error": err.error}
        self.api_log.append(ApiCall(method, team_id, params, result))
        return web.json_response(result, headers=headers)

    # ---- methods ------------------------------------------------------------------------------------------------
    def _oauth(self, auth: str, p: Params) -> Params:
        cid, secret = p.get("client_id"), p.get("client_secret")
        if auth.startswith("Basic "):
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if cid != self.client_id:
            raise SlackError("invalid_client_id")
        if secret != self.client_secret:
            raise SlackError("bad_client_secret")
        if str(p.get("code", "")) not in self._codes:
            raise SlackError("invalid_code")
        ws, user = self._codes.pop(str(p["code"]))
        self.workspaces[ws.team_id], self.tokens[ws.bot_token] = ws, ws.team_id
        out: Params = {"ok": True, "app_id": ws.app_id, "access_token": ws.bot_token, "token_type": "bot"}
        out |= {"scope": ws.scopes, "bot_user_id": ws.bot_user_id, "team": {"id": ws.team_id, "name": ws.team_name}}
        out |= {"enterprise": None, "is_enterprise_install": False}
        return out | {"authed_user": {"id": user, "scope": "", "token_type": "user"}}

    def _m_auth_test(self, ws: Workspace, p: Params) -> Params:
        out: Params = {"url": f"https://{ws.team_name.lower()}.slack.com/", "team": ws.team_name, "user": "rfbot"}
        out |= {"team_id": ws.team_id, "user_id": ws.bot_user_id, "bot_id": ws.bot_id}
        return out | {"is_enterprise_install": False}

    def _content(self, ws: Workspace, p: Params, ts: str) -> Params:
        text, blocks = p.get("text") or p.get("markdown_text") or "", p.get("blocks")
        if not text and not blocks and not p.get("attachments"):
            raise SlackError("no_text")
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50):
            raise SlackError("invalid_blocks")
        msg: Params = {"type": "message", "user": ws.bot_user_id, "bot_id": ws.bot_id, "app_id": ws.app_id}
        msg |= {"text": text, "ts": ts, "team": ws.team_id}
        for key in ("blocks", "thread_ts", "metadata", "attachments"):
            if p.get(key):
                msg[key] = p[key]
        return msg

    def _channel(self, p: Params) -> str:
        channel = str(p.get("channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _m_chat_postMessage(self, ws: Workspace, p: Params) -> Params:
        channel = self._channel(p)
        msg = self._content(ws, p, self.next_ts())
        ws.messages[(channel, msg["ts"])] = msg
        return {"channel": channel, "ts": msg["ts"], "message": msg}

    def _m_chat_update(self, ws: Workspace, p: Params) -> Params:
        channel, ts = self._channel(p), str(p.get("ts", ""))
        old = ws.messages.get((channel, ts))
        if old is None:
            raise SlackError("message_not_found")
        if old.get("bot_id") != ws.bot_id:
            raise SlackError("cant_update_message")
        msg = self._content(ws, p | {"thread_ts": old.get("thread_ts")}, ts) | {"edited": {"user": ws.bot_user_id}}
        ws.messages[(channel, ts)] = msg
        return {"channel": channel, "ts": ts, "text": msg["text"], "message": msg}

    def _m_chat_postEphemeral(self, ws: Workspace, p: Params) -> Params:
        self._channel(p)
        if not p.get("user"):
            raise SlackError("user_not_in_channel")
        self._content(ws, p, "")
        return {"message_ts": self.next_ts()}

    def _m_chat_delete(self, ws: Workspace, p: Params) -> Params:
        channel, ts = self._channel(p), str(p.get("ts", ""))
        if ws.messages.pop((channel, ts), None) is None:
            raise SlackError("message_not_found")
        return {"channel": channel, "ts": ts}

    def _view(self, ws: Workspace, view: Any, view_id: str | None = None) -> Params:
        if not isinstance(view, dict) or "type" not in view:
            raise SlackError("invalid_arguments")
        if len(view.get("blocks", [])) > 100:
            raise SlackError("invalid_blocks")
        view_id = view_id or f"V{next(self._seq):08d}"
        full: Params = {"id": view_id, "team_id": ws.team_id, "app_id": ws.app_id, "bot_id": ws.bot_id}
        full |= {"app_installed_team_id": ws.team_id, "private_metadata": "", "callback_id": "", "external_id": ""}
        full |= {"state": {"values": {}}, "root_view_id": view_id, "previous_view_id": None, **view, "id": view_id}
        full["hash"] = f"{self.next_ts()}.h{next(self._seq)}"
        self.views[view_id] = full
        return full

    def _m_views_open(self, ws: Workspace, p: Params) -> Params:
        trigger = str(p.get("trigger_id") or p.get("interactivity_pointer") or "")
        if not trigger:
            raise SlackError("invalid_arguments")
        if trigger in self._used_triggers:
            raise SlackError("trigger_exchanged")
        self._used_triggers.add(trigger)
        return {"view": self._view(ws, p.get("view"))}

    def _m_views_update(self, ws: Workspace, p: Params) -> Params:
        ext = p.get("external_id")
        view_id = p.get("view_id") or next((k for k, v in self.views.items() if ext and v["external_id"] == ext), None)
        if view_id not in self.views:
            raise SlackError("not_found")
        if p.get("hash") and p["hash"] != self.views[view_id]["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._view(ws, p.get("view"), view_id)}

    def _m_views_publish(self, ws: Workspace, p: Params) -> Params:
        if not p.get("user_id"):
            raise SlackError("invalid_arguments")
        view = self._view(ws, p.get("view"))
        self.home[str(p["user_id"])] = view
        return {"view": view}

    def _m_conversations_replies(self, ws: Workspace, p: Params) -> Params:
        channel, ts = self._channel(p), str(p.get("ts", ""))
        if (channel, ts) not in ws.messages:
            raise SlackError("thread_not_found")
        thread = [m for (c, _), m in ws.messages.items() if c == channel and ts in (m["ts"], m.get("thread_ts"))]
        thread.sort(key=lambda m: m["ts"])
        limit = int(p.get("limit") or 1000)
        return {"messages": thread[:limit], "has_more": len(thread) > limit, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_open(self, ws: Workspace, p: Params) -> Params:
        users = p.get("users") or ""
        users = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        channel = "D" + users[0][1:] if len(users) == 1 else "G" + "".join(u[1:4] for u in users)
        return {"channel": {"id": channel}, "no_op": False, "already_open": False}

    def _m_users_info(self, ws: Workspace, p: Params) -> Params:
        user = ws.users.get(str(p.get("user", "")))
        if user is None:
            raise SlackError("user_not_found")
        profile = {"email": user["email"], "real_name": user["name"], "display_name": user["name"]}
        out: Params = {"id": user["id"], "team_id": ws.team_id, "name": user["email"].split("@")[0], "tz": "UTC"}
        out |= {"real_name": user["name"], "deleted": False, "is_bot": False, "profile": profile}
        return {"user": out}

    def _m_files_getUploadURLExternal(self, ws: Workspace, p: Params) -> Params:
        return self.file_uploads.get_upload_url(ws.team_id, ws.scopes, p)

    def _m_files_completeUploadExternal(self, ws: Workspace, p: Params) -> Params:
        return self.file_uploads.complete(ws.team_id, p)

    def _m_assistant_threads_setStatus(self, ws: Workspace, p: Params) -> Params:
        return {}

    _m_views_push = _m_views_open
    _m_assistant_threads_setSuggestedPrompts = _m_assistant_threads_setTitle = _m_assistant_threads_setStatus


def _handler_name(method: str) -> str:
    return "_m_" + method.replace(".", "_")

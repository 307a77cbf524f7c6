"""A loopback fake of the Bot Framework Connector REST API as Teams serves it (``{serviceUrl}v3/...``).

The Agents SDK talks to whatever ``serviceUrl`` the inbound activity (or a stored ConversationReference) carries, so
put ``connector.service_url`` there (``TeamsDriver`` does). A bare client: ``TeamsConnectorClient(service_url, token)``.

Routes: ``POST /v3/conversations`` (create: a new channel thread or a 1:1 chat), ``POST .../{cid}/activities`` (send;
ops ``stream``/``final`` for Teams' streaming protocol, ``connector_streams``), ``POST .../{cid}/activities/{id}``
(reply), ``PUT`` (update), ``DELETE``, ``GET .../{cid}/members``, ``.../members/{userId}``, ``.../pagedmembers``,
``GET /v3/teams/{teamId}`` and ``/v3/teams/{teamId}/conversations``; shared files: ``GET /v3/attachments/{id}/views/
{view}`` (pasted images, token needed) and pre-authorised ``GET /files/{id}`` downloads (``connector_files``);
OneDrive upload sessions behind file-consent cards: pre-authorised ``PUT /upload-sessions/{id}``
(``connector_uploads``).
Ids may arrive raw (the Agents SDK does not percent-encode them) or encoded (botbuilder did); each path segment is
decoded. Answers: 201 ``{"id"}`` for posts, 200 for PUT/DELETE/GET; errors ``{"error": {"code", "message"}}``.
With a ``FakeEntra`` every request needs ``Authorization: Bearer <token issued by it>`` (else 401).
Modelled limits (Teams docs): message content over ~100 KB counted as UTF-16 → 413 ``MessageSizeTooBig``; a request body
over 262,144 bytes → 413 too. Error codes besides ``MessageSizeTooBig`` and ``BotNotInConversationRoster`` are
plausible stand-ins, not captured from the real service.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.connector_files import FILES_PATH, ConnectorFiles
from tests.fakes.connector_streams import STREAM_OPS, ConnectorStreams, stream_info, stream_op
from tests.fakes.connector_uploads import UPLOADS_PATH, ConnectorUploads
from tests.fakes.entra import APP_ID, FakeEntra
from tests.fakes.http_fake import RECORDED, LoopbackFake
from tests.fakes.teams_roster import TeamsDirectory, base_conversation

Json = dict[str, Any]
Answer = tuple[int, Any]
WRITES = frozenset({"create", "send", "reply", "update", "delete", "stream", "final"})
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE_LIMIT = 100 * 1024
REQUEST_LIMIT = 262_144
URL_ID_LIMIT = 150  # the Agents SDK cuts conversation ids in URLs to 150 characters


@dataclass
class ConnectorCall:
    """One request that reached the connector's routes (``calls`` also holds the ones faulted by the base class)."""

    op: str  # create send reply update delete members member paged_members team team_channels unknown
    method: str
    conversation_id: str  # decoded from the URL ("" for create and team calls)
    activity_id: str  # the URL's activity id (or user id for ``member``, team id for team calls)
    authorization: str
    body: Any
    status: int = 0
    response: Any = None
    at: float = 0.0  # arrival (time.monotonic)

    @property
    def ok(self) -> bool:
        """Whether the connector answered 2xx."""
        return 200 <= self.status < 300


@dataclass
class _Fault:
    ops: frozenset[str]
    times: int
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: str, message: str) -> Answer:
    return status, {"error": {"code": code, "message": message}}


def _route(method: str, parts: list[str]) -> tuple[str, str, str]:
    """(op, conversation id, activity/user/team id) for a path split after ``v3``."""
    n, kind = len(parts), parts[0] if parts else ""
    if kind == "conversations":
        sub = parts[2].lower() if n > 2 else ""
        if n == 1 and method == "POST":
            return "create", "", ""
        if n == 3 and sub == "activities" and method == "POST":
            return "send", parts[1], ""
        if n == 4 and sub == "activities":
            return {"POST": "reply", "PUT": "update", "DELETE": "delete"}.get(method, "unknown"), parts[1], parts[3]
        if method == "GET" and sub in ("members", "pagedmembers") and n in (3, 4):
            op = "paged_members" if sub == "pagedmembers" else "member" if n == 4 else "members"
            return op, parts[1], parts[3] if n == 4 else ""
    if kind == "attachments" and method == "GET" and n == 4 and parts[2] == "views":
        return "attachment", "", parts[1]
    if kind == "teams" and method == "GET" and n in (2, 3) and (n == 2 or parts[2] == "conversations"):
        return ("team" if n == 2 else "team_channels"), "", parts[1]
    return "unknown", "", ""


class FakeBotConnector(LoopbackFake, TeamsDirectory, ConnectorStreams, ConnectorFiles, ConnectorUploads):
    """The connector; its ``TeamsDirectory`` starts with team ``IT Ops`` (General + Escalations; Dana and Pat)."""

    outage_body: ClassVar[Any] = {"error": {"code": "ServiceUnavailable", "message": "The service is unavailable."}}

    def __init__(
        self,
        entra: FakeEntra | None = None,
        *,
        prefix: str = "/amer/",
        app_id: str = APP_ID,
        max_message_bytes: int = MESSAGE_LIMIT,
    ) -> None:
        LoopbackFake.__init__(self)
        TeamsDirectory.__init__(self)
        self._init_streams()
        self._init_files()
        self._init_uploads()
        self.entra, self.prefix, self.app_id, self.max_message_bytes = entra, prefix, app_id, max_message_bytes
        self.messages: dict[tuple[str, str], Json] = {}
        self.log: list[ConnectorCall] = []
        self.removed: set[str] = set()
        self._scripted: list[_Fault] = []
        self._ids = itertools.count(1)
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    # ---- registration -------------------------------------------------------------------------------------------
    @property
    def service_url(self) -> str:
        """The ``serviceUrl`` to hand the SDK, e.g. ``http://127.0.0.1:54321/amer/``."""
        return self.base_url + self.prefix

    @property
    def bot_id(self) -> str:
        """The bot's Teams id, ``28:<app id>``."""
        return f"28:{self.app_id}"

    def next_id(self) -> str:
        """A fresh Teams message id (epoch-milliseconds style, strictly increasing)."""
        return str(1_700_000_000_000 + next(self._ids))

    def remove_bot(self, conversation_id: str) -> None:
        """The app was removed: writes into this chat, channel or team answer 403 ``BotNotInConversationRoster``."""
        self.removed.add(base_conversation(conversation_id))

    # ---- faults -------------------------------------------------------------------------------------------------
    def throttle(self, times: int = 1, retry_after: float = 1, ops: frozenset[str] = WRITES) -> None:
        """Answer the next ``times`` calls of ``ops`` with 429 and ``Retry-After`` (seconds)."""
        body = {"error": {"code": "TooManyRequests", "message": "Too many requests."}}
        self._scripted.append(_Fault(ops, times, 429, body, {"Retry-After": f"{retry_after:g}"}))

    def fail(self, status: int = 502, times: int = 1, ops: frozenset[str] = WRITES, code: str = "ServiceError") -> None:
        """Answer the next ``times`` calls of ``ops`` with ``status`` (e.g. 412, 500, 502, 504)."""
        self._scripted.append(_Fault(ops, times, status, {"error": {"code": code, "message": f"HTTP {status}"}}))

    def _take_fault(self, op: str) -> _Fault | None:
        for fault in self._scripted:
            if op in fault.ops:
                fault.times -= 1
                if fault.times <= 0:
                    self._scripted.remove(fault)
                return fault
        return None

    # ---- inspection ---------------------------------------------------------------------------------------------
    def calls_for(self, op: str) -> list[ConnectorCall]:
        """Every call of one operation (including failed ones)."""
        return [c for c in self.log if c.op == op]

    @staticmethod
    def _matches(activity: Json, conversation_id: str | None) -> bool:
        if conversation_id is None:
            return True
        cid = str((activity.get("conversation") or {}).get("id", ""))
        if ";messageid=" not in conversation_id and base_conversation(cid) == conversation_id:
            return True  # a channel id matches every thread in it
        return cid[:URL_ID_LIMIT] == conversation_id[:URL_ID_LIMIT]

    def delivered(self) -> list[Json]:
        """Every activity accepted by send, reply or create, in order, with its assigned ``id`` (and a
        ``conversation`` filled in from the URL when the body had none)."""
        out: list[Json] = []
        for c in self.log:
            if c.ok and c.op in STREAM_OPS and "error" not in c.response:  # a stream's messages keep its id
                aid = c.response.get("id") or (stream_info(c.body) or {}).get("streamId")
                out.append({"conversation": {"id": c.conversation_id}} | c.body | {"id": aid})
            elif c.ok and c.op in ("send", "reply"):
                out.append({"conversation": {"id": c.conversation_id}} | c.body | {"id": c.response["id"]})
            elif c.ok and c.op == "create" and "activityId" in c.response:
                conversation = {"id": c.response["id"]}
                out.append({"conversation": conversation} | c.body["activity"] | {"id": c.response["activityId"]})
        return out

    def sent(self, conversation_id: str | None = None, *, activity_type: str | None = "message") -> list[Json]:
        """Delivered activities of ``activity_type`` (None: any, e.g. ``typing`` too) in a conversation; a channel id
        without ``;messageid=`` matches all its threads."""
        return [
            a
            for a in self.delivered()
            if (activity_type is None or a.get("type") == activity_type) and self._matches(a, conversation_id)
        ]

    def updates(self, conversation_id: str | None = None) -> list[Json]:
        """Accepted PUTs (activity bodies with the URL's ``id``)."""
        found = [self._written(c)[0] | {"id": c.activity_id} for c in self.log if c.ok and c.op == "update"]
        return [a for a in found if self._matches(a, conversation_id)]

    def deleted(self) -> list[tuple[str, str]]:
        """(conversation id, activity id) of accepted DELETEs."""
        return [(c.conversation_id, c.activity_id) for c in self.log if c.ok and c.op == "delete"]

    def message(self, activity_id: str, conversation_id: str | None = None) -> Json | None:
        """The current content of a message the bot posted (updates applied, None once deleted)."""
        for (base, aid), activity in self.messages.items():
            if aid == activity_id and (conversation_id is None or base == base_conversation(conversation_id)):
                return activity
        return None

    @staticmethod
    def cards_in(activity: Json) -> list[Json]:
        """The Adaptive Card contents among an activity's attachments."""
        return [a["content"] for a in activity.get("attachments") or [] if a.get("contentType") == ADAPTIVE_CARD]

    def last_card(self, conversation_id: str | None = None) -> Json | None:
        """The Adaptive Card of the most recent delivered or updated activity that had one, or None."""
        writes = [(c, a) for c in self.log if c.ok for a in self._written(c)]
        for _, activity in reversed(writes):
            cards = self.cards_in(activity)
            if cards and self._matches(activity, conversation_id):
                return cards[-1]
        return None

    def _written(self, call: ConnectorCall) -> list[Json]:
        if call.op in ("send", "reply", "update", "final"):
            return [{"conversation": {"id": call.conversation_id}} | call.body]
        if call.op == "create" and isinstance(call.body.get("activity"), dict):
            return [{"conversation": {"id": call.response["id"]}} | call.body["activity"]]
        return []

    # ---- HTTP ---------------------------------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith(FILES_PATH):  # a pre-authorised download link: no token
            return await self._serve_upload(request)
        if request.path.startswith(UPLOADS_PATH):  # a pre-authorised OneDrive upload session: no token
            return await self._serve_upload_session(request)
        segments = [unquote(s) for s in request.raw_path.split("?", 1)[0].split("/")]
        parts = segments[segments.index("v3") + 1 :] if "v3" in segments else []
        op, cid, aid = _route(request.method, parts)
        recorded = request.get(RECORDED)
        body = recorded.data if recorded is not None else None
        op = (stream_op(body) or op) if op in ("send", "reply") else op
        call = ConnectorCall(op, request.method, cid, aid, request.headers.get("Authorization", ""), body)
        call.at = recorded.time if recorded is not None else 0.0
        self.log.append(call)
        headers: dict[str, str] = {}
        if self.entra is not None and not self.entra.accepts(call.authorization):
            status, payload = 401, {"message": "Authorization has been denied for this request."}
        elif (fault := self._take_fault(op)) is not None:
            status, payload, headers = fault.status, fault.body, fault.headers
        elif op == "unknown":
            status, payload = _error(404, "NotFound", f"No route for {request.method} {request.path}")
        elif op in WRITES and recorded is not None and len(recorded.body) > REQUEST_LIMIT:
            too_big = f"The request content length exceeded limit of {REQUEST_LIMIT} bytes."
            status, payload = _error(413, "MessageSizeTooBig", too_big)
        else:
            status, payload = getattr(self, f"_op_{op}")(call, request.query)
        call.status, call.response = status, payload
        if isinstance(payload, web.StreamResponse):
            return payload
        if payload is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(payload, status=status, headers=headers)

    def _refuse(self, call: ConnectorCall, activity: Any, conversation_id: str) -> Answer | None:
        """A reason to refuse writing ``activity`` into ``conversation_id``, or None."""
        base = base_conversation(conversation_id)
        team = self.team_of(base)
        if base in self.removed or (team is not None and team.id in self.removed):
            return _error(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
        if call.op == "delete":
            return None
        if not isinstance(activity, dict) or not activity.get("type"):
            return _error(400, "BadArgument", "Activity must have a type.")
        content = {k: activity.get(k) for k in ("text", "summary", "attachments", "entities", "suggestedActions")}
        if len(json.dumps(content).encode("utf-16-le")) > self.max_message_bytes:
            return _error(413, "MessageSizeTooBig", "Message size too big.")
        return None

    def _keep(self, conversation_id: str, activity_id: str, activity: Json) -> None:
        if activity.get("type") == "message":
            stored = {"conversation": {"id": conversation_id}} | activity | {"id": activity_id}
            self.messages[(base_conversation(conversation_id), activity_id)] = stored

    def _op_send(self, call: ConnectorCall, query: Any) -> Answer:
        if (refused := self._refuse(call, call.body, call.conversation_id)) is not None:
            return refused
        aid = self.next_id()
        self._keep(call.conversation_id, aid, call.body)
        return 201, {"id": aid}

    _op_reply = _op_send

    def _op_update(self, call: ConnectorCall, query: Any) -> Answer:
        if (refused := self._refuse(call, call.body, call.conversation_id)) is not None:
            return refused
        key = (base_conversation(call.conversation_id), call.activity_id)
        if key not in self.messages:
            return _error(404, "NotFound", "The activity was not found in the conversation.")
        self._keep(call.conversation_id, call.activity_id, call.body)
        return 200, {"id": call.activity_id}

    def _op_delete(self, call: ConnectorCall, query: Any) -> Answer:
        if (refused := self._refuse(call, None, call.conversation_id)) is not None:
            return refused
        if self.messages.pop((base_conversation(call.conversation_id), call.activity_id), None) is None:
            return _error(404, "NotFound", "The activity was not found in the conversation.")
        return 200, None

    def _op_create(self, call: ConnectorCall, query: Any) -> Answer:
        body = call.body if isinstance(call.body, dict) else {}
        data, activity = body.get("channelData") or {}, body.get("activity")
        channel = str((data.get("channel") or {}).get("id") or "")
        tenant = body.get("tenantId") or (data.get("tenant") or {}).get("id")
        if channel:
            if self.team_of(channel) is None:
                return _error(404, "ConversationNotFound", "Conversation not found.")
            if activity is None:
                return _error(400, "BadArgument", "An activity is required to start a channel thread.")
            aid = self.next_id()
            cid = f"{channel};messageid={aid}"
        else:
            members = [str(m.get("id", "")) for m in body.get("members") or [] if isinstance(m, dict)]
            if len(members) != 1 or self.user(members[0]) is None:
                return _error(400, "BadArgument", "Exactly one known member is required for a 1:1 conversation.")
            if not tenant:
                return _error(400, "BadArgument", "A tenant id is required.")
            user = self.user(members[0])
            assert user is not None
            cid, aid = self.personal_conversation_id(user.id), self.next_id() if activity is not None else ""
        if activity is not None:
            if (refused := self._refuse(call, activity, cid)) is not None:
                return refused
            self._keep(cid, aid, activity)
        return 201, {"id": cid, "serviceUrl": self.service_url} | ({"activityId": aid} if aid else {})

    # ---- members and teams --------------------------------------------------------------------------------------
    def _op_members(self, call: ConnectorCall, query: Any) -> Answer:
        roster = self.roster(call.conversation_id)
        if roster is None:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        return 200, [u.member() for u in roster]

    def _op_member(self, call: ConnectorCall, query: Any) -> Answer:
        roster, user = self.roster(call.conversation_id), self.user(call.activity_id)
        if roster is None:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        if user is None or user not in roster:
            return _error(404, "MemberNotFoundInConversation", f"Member {call.activity_id} not found in the roster.")
        return 200, user.member()

    def _op_paged_members(self, call: ConnectorCall, query: Any) -> Answer:
        roster = self.roster(call.conversation_id)
        if roster is None:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        size = max(1, min(int(query.get("pageSize") or 200), 500))
        token = query.get("continuationToken") or ""
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:")) if token else 0
        except ValueError:
            return _error(400, "BadArgument", "Invalid continuation token.")
        page: Json = {"members": [u.member() for u in roster[start : start + size]]}
        if start + size < len(roster):
            page["continuationToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
        return 200, page

    def _op_team(self, call: ConnectorCall, query: Any) -> Answer:
        team = self.teams.get(call.activity_id)
        if team is None:
            return _error(404, "TeamNotFound", "Team not found.")
        return 200, {"id": team.id, "name": team.name, "aadGroupId": team.aad_group_id}

    def _op_team_channels(self, call: ConnectorCall, query: Any) -> Answer:
        team = self.teams.get(call.activity_id)
        if team is None:
            return _error(404, "TeamNotFound", "Team not found.")
        return 200, {"conversations": [{"id": cid, "name": name} for cid, name in team.channels.items()]}

"""Plays Teams towards our bot: Activity JSON POSTed to ``<app>/api/messages`` with a Bot Framework JWT.

Activities are built with the Agents SDK's own models (``microsoft_agents.activity``) and serialised the way the
channel sends them (camelCase aliases, nulls omitted). ``serviceUrl`` is the ``FakeBotConnector``'s, so whatever the
bot sends back lands there, and conversation/team/user ids come from the connector's directory. Each activity gets a
fresh Teams-style ``id``; ``resend()`` repeats the last one unchanged (a redelivery, for dedupe tests).
``auth``: ``VALID`` (default) = a token from ``FakeEntra.channel_token`` -- or no header when the driver has no
FakeEntra (anonymous mode); a ``TokenFlaw`` = a spoilt token; ``None`` = no header; any other string = that header.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, NamedTuple, Self

import aiohttp
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ChannelAccount,
    ChannelId,
    ConversationAccount,
    Entity,
    Mention,
)

from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra import FakeEntra, TokenFlaw
from tests.fakes.teams_roster import DANA, TEAM_ID, TeamsUser, base_conversation

Json = dict[str, Any]
Auth = TokenFlaw | str | None
VALID = "valid"
EXECUTE = "adaptiveCard/action"


class TeamsReply(NamedTuple):
    """What our bot answered: HTTP status and the body (parsed JSON when possible, else text)."""

    status: int
    body: Any


class TeamsDriver:
    """Sends Teams activities to the bot at ``app_url`` (use ``async with``; one ClientSession per driver)."""

    def __init__(
        self,
        app_url: str,
        connector: FakeBotConnector,
        entra: FakeEntra | None = None,
        *,
        bot_name: str = "ResolutionFlow",
        path: str = "/api/messages",
        locale: str = "en-US",
    ) -> None:
        self.url = app_url.rstrip("/") + path
        self.connector, self.entra, self.bot_name, self.locale = connector, entra, bot_name, locale
        self.last_activity: Json = {}
        self.last_headers: dict[str, str] = {}
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
    @property
    def bot(self) -> ChannelAccount:
        """The bot's account (``28:<app id>``, display name)."""
        return ChannelAccount(id=self.connector.bot_id, name=self.bot_name)

    @property
    def at_bot(self) -> str:
        """The mention markup Teams puts in ``text``, e.g. ``<at>ResolutionFlow</at>``."""
        return f"<at>{self.bot_name}</at>"

    def authorization(self, auth: Auth = VALID) -> dict[str, str]:
        """The ``Authorization`` header (if any) for ``auth``."""
        if auth is None or (auth == VALID and self.entra is None):
            return {}
        if isinstance(auth, TokenFlaw) or auth == VALID:
            assert self.entra is not None, "minting a token needs a FakeEntra"
            flaw = auth if isinstance(auth, TokenFlaw) else None
            return {
                "Authorization": "Bearer "
                + self.entra.channel_token(self.connector.app_id, self.service_url, flaw=flaw)
            }
        return {"Authorization": auth}

    @property
    def service_url(self) -> str:
        """The ``serviceUrl`` every activity carries (the fake connector's)."""
        return self.connector.service_url

    async def post(self, activity: Json, auth: Auth = VALID) -> TeamsReply:
        """POST one activity as JSON; remember it for ``resend``."""
        if self._session is None:
            raise RuntimeError("use `async with TeamsDriver(...)`")
        self.last_activity = activity
        headers = {"Content-Type": "application/json; charset=utf-8"} | self.authorization(auth)
        async with self._session.post(self.url, data=json.dumps(activity).encode(), headers=headers) as resp:
            text = await resp.text()
            self.last_headers = dict(resp.headers)
            try:
                return TeamsReply(resp.status, json.loads(text) if text else "")
            except ValueError:
                return TeamsReply(resp.status, text)

    async def resend(self, auth: Auth = VALID) -> TeamsReply:
        """Deliver the last activity again, same ``id`` and body (Teams retries when the bot answered slowly)."""
        return await self.post(self.last_activity, auth)

    def _where(self, conversation_id: str, tenant_id: str) -> tuple[ConversationAccount, Json]:
        """The ``conversation`` and ``channelData`` Teams sends for a channel thread, a 1:1 or a group chat."""
        tenant: Json = {"tenant": {"id": tenant_id}}
        if conversation_id.startswith("a:"):
            return ConversationAccount(id=conversation_id, conversation_type="personal", tenant_id=tenant_id), tenant
        team = self.connector.team_of(conversation_id)
        if team is None:
            account = ConversationAccount(id=conversation_id, conversation_type="groupChat", is_group=True)
            account.tenant_id = tenant_id
            return account, tenant
        channel = base_conversation(conversation_id)
        data: Json = {"teamsChannelId": channel, "teamsTeamId": team.id, "channel": {"id": channel}}
        data |= {"team": {"id": team.id, "name": team.name, "aadGroupId": team.aad_group_id}} | tenant
        account = ConversationAccount(id=conversation_id, conversation_type="channel", is_group=True)
        account.tenant_id = tenant_id
        return account, data

    def client_info(self) -> Entity:
        """The ``clientInfo`` entity Teams clients attach to what users send."""
        info = {"type": "clientInfo", "locale": self.locale, "country": "US", "platform": "Web"}
        return Entity.model_validate(info | {"timezone": "Europe/London"})

    def activity(
        self, kind: str, conversation_id: str, user: TeamsUser, *, activity_id: str | None = None, **fields: Any
    ) -> Json:
        """Activity JSON of type ``kind`` from ``user`` to the bot in ``conversation_id`` (``fields`` are
        ``Activity`` attributes; ``channel_data`` is merged into the conversation's own)."""
        conversation, data = self._where(conversation_id, user.tenant_id)
        sender = ChannelAccount(id=user.id, name=user.name, aad_object_id=user.aad_object_id)
        built = Activity(
            type=kind,
            id=activity_id or self.connector.next_id(),
            timestamp=datetime.now(UTC),
            local_timestamp=datetime.now().astimezone(),
            local_timezone="Europe/London",
            channel_id=ChannelId("msteams"),
            service_url=self.service_url,
            from_property=sender,
            recipient=self.bot,
            conversation=conversation,
            locale=self.locale,
            **{"entities": [self.client_info()]} | fields | {"channel_data": data | fields.get("channel_data", {})},
        )
        return built.model_dump(mode="json", by_alias=True, exclude_none=True)

    def _message(
        self, text: str, conversation_id: str, user: TeamsUser, mention: bool, files: Sequence[Json] = (), **fields: Any
    ) -> Json:
        """A message as Teams delivers it: ``text``, the ``files`` shared with it (attachments from
        ``connector.add_upload``/``add_inline_image``), a ``text/html`` copy (with an ``<img>`` per pasted image),
        the bot's mention entity when mentioned."""
        mentions = [Mention(mentioned=self.bot, text=self.at_bot)] if mention else []
        text = f"{self.at_bot} {text}" if mention else text
        markup = html.escape(text).replace(html.escape(self.at_bot), self.at_bot)
        pasted = [f for f in files if str(f.get("contentType", "")).startswith("image/")]
        images = "".join(f'<img src="{html.escape(str(f.get("contentUrl", "")))}">' for f in pasted)
        fields |= {"text": text, "text_format": "plain", "entities": [*mentions, self.client_info()]}
        shared = [Attachment.model_validate(f) for f in files]
        fields["attachments"] = [*shared, Attachment(content_type="text/html", content=f"<p>{markup}{images}</p>")]
        return self.activity("message", conversation_id, user, **fields)

    # ---- messages -----------------------------------------------------------------------------------------------
    async def channel_message(
        self,
        text: str,
        user: TeamsUser = DANA,
        *,
        channel: str = TEAM_ID,
        thread: str | None = None,
        mention: bool = True,
        activity_id: str | None = None,
        auth: Auth = VALID,
    ) -> TeamsReply:
        """``user`` @mentions the bot in ``channel``: a new post (its conversation id ends ``;messageid=<its own
        id>``) or, with ``thread`` (the root message id), a reply in that thread."""
        aid = activity_id or self.connector.next_id()
        cid = f"{channel};messageid={thread or aid}"
        return await self.post(self._message(text, cid, user, mention, activity_id=aid), auth)

    async def personal_message(
        self, text: str, user: TeamsUser = DANA, *, files: Sequence[Json] = (), auth: Auth = VALID
    ) -> TeamsReply:
        """``user`` writes to the bot in their 1:1 chat (no mention), sharing ``files`` (attachment JSON from
        ``connector.add_upload`` / ``add_inline_image``)."""
        cid = self.connector.personal_conversation_id(user.id)
        return await self.post(self._message(text, cid, user, False, files), auth)

    async def group_message(
        self, text: str, chat_id: str, user: TeamsUser = DANA, *, mention: bool = True, auth: Auth = VALID
    ) -> TeamsReply:
        """``user`` @mentions the bot in group chat ``chat_id`` (``19:…@thread.v2``; registered on first use)."""
        self.connector.chats.setdefault(chat_id, [user.id])
        return await self.post(self._message(text, chat_id, user, mention), auth)

    # ---- cards --------------------------------------------------------------------------------------------------
    async def submit(
        self, card_activity: Json, data: Json, user: TeamsUser = DANA, *, auth: Auth = VALID
    ) -> TeamsReply:
        """Press an ``Action.Submit`` on the card the bot sent as ``card_activity`` (from ``connector.sent()``): a
        message with ``value`` = the action's data merged with the inputs, no text, ``replyToId`` = the card."""
        cid = card_activity["conversation"]["id"]
        return await self.post(self.activity("message", cid, user, value=data, reply_to_id=card_activity["id"]), auth)

    async def execute(
        self,
        card_activity: Json,
        verb: str,
        data: Json | None = None,
        user: TeamsUser = DANA,
        *,
        action_id: str | None = None,
        auth: Auth = VALID,
    ) -> TeamsReply:
        """Press an ``Action.Execute`` with ``verb`` on the card in ``card_activity``: an ``invoke`` named
        ``adaptiveCard/action``; the bot must answer in the HTTP response (an invoke response body)."""
        action = {"type": "Action.Execute", "id": action_id or verb, "verb": verb, "data": data or {}}
        fields: Json = {"name": EXECUTE, "value": {"action": action, "trigger": "manual"}}
        invoke = self.activity(
            "invoke", card_activity["conversation"]["id"], user, reply_to_id=card_activity["id"], **fields
        )
        return await self.post(invoke, auth)

    # ---- installation -------------------------------------------------------------------------------------------
    async def bot_added(
        self, conversation_id: str = TEAM_ID, by: TeamsUser = DANA, *, auth: Auth = VALID
    ) -> TeamsReply:
        """The app is added to a team (``conversation_id`` = the team id; ``channelData.eventType`` teamMemberAdded)
        or installed in a 1:1 chat (an ``a:`` id): a ``conversationUpdate`` whose ``membersAdded`` is the bot."""
        data: Json = {}
        if not conversation_id.startswith("a:"):
            data = {"eventType": "teamMemberAdded", "settings": {"selectedChannel": {"id": conversation_id}}}
        update = self.activity(
            "conversationUpdate",
            conversation_id,
            by,
            members_added=[ChannelAccount(id=self.connector.bot_id)],
            channel_data=data,
        )
        return await self.post(update, auth)

    async def installation_update(
        self, conversation_id: str = TEAM_ID, action: str = "add", by: TeamsUser = DANA, *, auth: Auth = VALID
    ) -> TeamsReply:
        """An ``installationUpdate`` (``action`` ``add`` or ``remove``) for a team or 1:1 chat."""
        return await self.post(self.activity("installationUpdate", conversation_id, by, action=action), auth)

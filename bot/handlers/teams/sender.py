"""Deliver the engine's replies to Teams through the Bot Connector: posts, in-place card updates, notices, 1:1
messages, form cards, exports and the home card.

* ``Post``: into the conversation -- a channel thread (``<channel>;messageid=<root>``), a group chat or a 1:1 chat.
  A session card (``root``) where the channel has no thread yet becomes a new channel post (``POST
  /v3/conversations``); its id is the thread root, the rest of the batch goes into that thread and the engine is
  told with ``ThreadStarted``, as on Slack. Messages the engine names (``ref``) are remembered in ``MessageRefs``
  (platform ``teams``: channel, activity id, thread) so later ``Update``s find them.
* ``Update``: ``PUT`` of the remembered activity (the card the buttons were on shows the answer, who and when); a
  message Teams no longer has is posted anew. Lazy updates (the session card) are coalesced with ``LatestWins``
  after ``lazy_delay`` seconds, or go last in their batch.
* A message FlowPilot is still writing (``View.partial``: its placeholder ``Post``, then ``Update``s with the text
  so far) is streamed in a 1:1 chat (``stream``: Teams' streaming protocol, about one request a second, the card
  as the final message); in channels and group chats, where Teams does not stream, and when a stream is refused, it
  is posted and edited in place like any message (the engine already coalesces those edits to about one a second).
* ``Ephemeral``: Teams has no private messages inside a channel or group chat. The notice is posted where it
  belongs (the thread) with a real @mention of the person it is for, so it stays next to what it is about and
  notifies them; in a 1:1 chat it is simply a message; with no conversation (a home-card click) it goes to the
  person's 1:1 chat.
* ``DirectMessage`` and ``HomeView``: the person's 1:1 chat with the bot (its id remembered by ``Reach``, or opened
  with ``POST /v3/conversations``, which returns the existing chat). The home card is posted anew each time.
* ``OpenForm``: a card with inputs in the conversation (``render_form``), carrying the thread its answer belongs to.
* ``Attachment`` (``render_document``): a flow's diagram as a picture in its card (inline when small, else by its
  signed link when the bot has a public address); an export asked for in a 1:1 chat as a file-consent card (the
  person's answer is handled by ``uploads``: the file goes into their OneDrive); anything else as a card with the
  document as code blocks, split over as many messages as the size limit needs, an export's short-lived signed
  download link (served by ``rfbot serve``) first -- a bot cannot upload a file into a channel or group chat.

Transient connector failures are retried by ``Connectors.call`` (429 after ``Retry-After``); what still fails is
logged with the operation and Teams' error code and, where possible, told to the person who caused the batch --
never swallowed silently.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from microsoft_agents.activity import Activity, ResourceResponse
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.engine.events import Actor, ConversationRef, InboundEvent, ThreadStarted
from bot.engine.message_refs import MessageLocation, MessageRefs
from bot.engine.replies import (
    Attachment,
    DirectMessage,
    Ephemeral,
    HomeView,
    OpenForm,
    Post,
    Reply,
    Text,
    Update,
    View,
)
from bot.handlers.latest import LatestWins, ThreadHook, delivery_order
from bot.handlers.teams import ids, outbound, texts
from bot.handlers.teams.connector import ConnectorError, Connectors
from bot.handlers.teams.ids import ConversationKind
from bot.handlers.teams.reach import Reach
from bot.handlers.teams.render import RenderedMessage, render_home, render_message
from bot.handlers.teams.render_document import render_attachment
from bot.handlers.teams.render_form import form_data, render_form
from bot.handlers.teams.stream import TeamsStreams

log = logging.getLogger(__name__)
PLATFORM = ids.PLATFORM
T = TypeVar("T")


@dataclass
class _Batch:
    team_id: str
    actor: Actor | None
    threads: dict[str, str] = field(default_factory=dict)  # channel -> thread opened in this batch
    follow_ups: list[InboundEvent] = field(default_factory=list)


class TeamsSender:
    """The Teams side of ``send(team_id, replies)``."""

    def __init__(
        self,
        connectors: Connectors,
        refs: MessageRefs,
        reach: Reach,
        now: Callable[[], datetime],
        observe: Callable[[str, bool], None] | None = None,
        lazy_delay: float = 0.0,
        stream_interval: float | None = 1.0,
        picture_links: bool = False,
    ) -> None:
        self._connectors, self._refs, self._reach, self._now = connectors, refs, reach, now
        self._picture_links = picture_links  # the bot has a public address: pictures too large to inline go by link
        self._observe = observe or (lambda operation, ok: None)
        self._lazy: LatestWins[tuple[str, Update]] = LatestWins(lazy_delay, self._deferred)
        self._streaming = stream_interval is not None  # None: never stream (post and edit everywhere)
        self._streams = TeamsStreams(self._stream_send, connectors.bot_id, stream_interval or 0.0)
        self.on_thread: ThreadHook | None = None  # set by the composition root (see ``ThreadHook``)

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        """Deliver a batch in order; returns ``ThreadStarted`` events for cards that opened threads. ``actor`` (who
        caused the batch) is told when a delivery fails. Lazy updates go last, or are deferred and folded."""
        batch = _Batch(team_id, actor)
        for reply in delivery_order(self._lazy, team_id, replies):
            await self._safely(batch, reply)
        return batch.follow_ups

    async def flush(self) -> None:
        """Deliver deferred updates now (at shutdown, and in tests)."""
        await self._lazy.flush()

    async def _deferred(self, item: tuple[str, Update]) -> None:
        team_id, reply = item
        await self._safely(_Batch(team_id, None), reply)

    async def _safely(self, batch: _Batch, reply: Reply) -> None:
        try:
            await self._one(batch, reply)
        except ConnectorError as err:
            log.error("Teams %s failed for team %s: %s", type(reply).__name__, batch.team_id, err)
            await self._tell_user(batch, reply, f"{err.status} {err.code}".strip())

    async def _call(
        self,
        conversation: ConversationRef | None,
        batch: _Batch,
        operation: str,
        run: Callable[[TeamsConnectorClient], Awaitable[T]],
    ) -> T:
        service_url = self._reach.service_url(batch.team_id, conversation)
        try:
            result = await self._connectors.call(service_url, operation, run)
        except ConnectorError:
            self._observe(operation, False)
            raise
        self._observe(operation, True)
        return result

    async def _one(self, batch: _Batch, reply: Reply) -> None:
        if isinstance(reply, Post | Update) and reply.ref and not (isinstance(reply, Update) and reply.lazy):
            self._lazy.cancel((batch.team_id, reply.ref))  # this newer view wins over a deferred one
        if isinstance(reply, Post):
            if not (reply.view.partial and await self._stream_begin(batch, reply)):
                await self._post(batch, reply)
        elif isinstance(reply, Update):
            if self._streams.live((batch.team_id, reply.ref)):
                await self._stream_on(batch, reply)
            else:
                await self._update(batch, reply)
        elif isinstance(reply, Ephemeral):
            await self._ephemeral(batch, reply.conversation, reply.actor, reply.view)
        elif isinstance(reply, DirectMessage):
            await self._in_chat(batch, reply.actor, render_message(reply.view), None)
        elif isinstance(reply, OpenForm):
            meta = form_data(reply, self._thread(batch, reply.conversation))
            await self._in_place(batch, reply.conversation, reply.actor, [render_form(reply, meta)])
        elif isinstance(reply, Attachment):
            await self._attachment(batch, reply)
        elif isinstance(reply, HomeView):
            await self._in_chat(batch, reply.actor, [render_home([reply.view])], None)

    # ---- sending ------------------------------------------------------------------------------------------------
    def _thread(self, batch: _Batch, conversation: ConversationRef) -> str:
        return conversation.thread or batch.threads.get(conversation.channel, "")

    async def _send(
        self, batch: _Batch, conversation: ConversationRef, target: str, messages: list[RenderedMessage]
    ) -> str:
        """Post ``messages`` into conversation id ``target``; the id of the last one."""
        service_url = self._reach.service_url(batch.team_id, conversation)
        last = ""
        for rendered in messages:
            activity = outbound.message(rendered, target, self._connectors.bot_id, service_url)
            sent = await self._call(conversation, batch, "send", _poster(target, activity))
            last = str(sent.id or "")
        return last

    async def _in_chat(
        self, batch: _Batch, person: Actor | None, messages: list[RenderedMessage], conversation: ConversationRef | None
    ) -> str:
        """Post into ``person``'s 1:1 chat with the bot."""
        if person is None or person.platform != PLATFORM or not person.platform_user_id:
            log.error(
                "Teams: no person to send a 1:1 message to in team %s; %d messages dropped",
                batch.team_id,
                len(messages),
            )
            return ""
        chat = await self._chat_with(batch, person.platform_user_id, conversation)
        return await self._send(batch, conversation or ConversationRef(PLATFORM, chat), chat, messages)

    async def _chat_with(self, batch: _Batch, user_id: str, conversation: ConversationRef | None) -> str:
        chat = self._reach.chat_with(batch.team_id, user_id)
        if chat:
            return chat
        tenant = await self._reach.tenant(batch.team_id, conversation)
        params = outbound.personal_chat(user_id, tenant, self._connectors.bot_id)
        created = await self._call(conversation, batch, "create", lambda c: c.conversations.create_conversation(params))
        chat = str(created.id or "")
        if not chat:
            raise ConnectorError("create", 200, "NoConversationId")
        self._reach.learn_chat(batch.team_id, user_id, chat)
        return chat

    async def _in_place(
        self, batch: _Batch, conversation: ConversationRef, person: Actor | None, messages: list[RenderedMessage]
    ) -> str:
        """Post where ``conversation`` is (its thread in a channel); with no conversation, in ``person``'s 1:1 chat."""
        if not conversation.channel:
            return await self._in_chat(batch, person, messages, conversation)
        target = ids.conversation_id(conversation.channel, self._thread(batch, conversation))
        return await self._send(batch, conversation, target, messages)

    async def _post(self, batch: _Batch, reply: Post) -> None:
        conversation = reply.conversation
        channel, thread = conversation.channel, self._thread(batch, conversation)
        messages = render_message(reply.view)
        if reply.root and channel and not thread and ids.kind_of(channel) is ConversationKind.CHANNEL:
            thread = await self._open_thread(batch, conversation, messages[0])
            batch.threads[channel] = thread
            started = ThreadStarted(
                team_id=batch.team_id,
                actor=Actor(PLATFORM, "bot", texts.FALLBACK),
                conversation=conversation,
                at=self._now(),
                event_id=f"teams:thread:{channel}:{thread}",
                session_id=reply.session_id,
                thread=thread,
            )  # reported even if the rest of the card fails below: the thread exists
            if self.on_thread is not None:  # recorded before anything appears in the thread
                await self.on_thread(PLATFORM, started)
            else:
                batch.follow_ups.append(started)
            last = await self._send(batch, conversation, ids.conversation_id(channel, thread), messages[1:]) or thread
        else:
            last = await self._in_place(batch, conversation, batch.actor, messages)
            if not channel:
                channel = self._reach.chat_with(batch.team_id, batch.actor.platform_user_id) if batch.actor else ""
        if reply.ref and last:
            where = MessageLocation(channel, last, thread if ids.kind_of(channel) is ConversationKind.CHANNEL else "")
            await self._refs.put(batch.team_id, PLATFORM, reply.ref, where)

    async def _open_thread(self, batch: _Batch, conversation: ConversationRef, first: RenderedMessage) -> str:
        """A new post at the top of the channel; its id is the new thread's root."""
        service_url = self._reach.service_url(batch.team_id, conversation)
        tenant = await self._reach.tenant(batch.team_id, conversation)
        activity = outbound.message(first, conversation.channel, self._connectors.bot_id, service_url)
        params = outbound.new_channel_post(activity, conversation.channel, tenant, self._connectors.bot_id)
        created = await self._call(conversation, batch, "create", lambda c: c.conversations.create_conversation(params))
        root = str(created.activity_id or "") or ids.split_conversation_id(str(created.id or ""))[1]
        if not root:
            raise ConnectorError("create", 200, "NoActivityId")
        return root

    async def _update(self, batch: _Batch, reply: Update) -> None:
        where = await self._refs.get(batch.team_id, PLATFORM, reply.ref)
        rendered = render_message(reply.view)[-1]
        while where is not None:
            target = ids.conversation_id(where.channel, where.thread)
            service_url = self._reach.service_url(batch.team_id, reply.conversation)
            activity = outbound.message(rendered, target, self._connectors.bot_id, service_url, where.message_id)
            try:
                await self._call(reply.conversation, batch, "update", _updater(target, where.message_id, activity))
                return
            except ConnectorError as err:
                if err.status != 404:
                    raise
            where = await self._moved(batch.team_id, reply.ref, where)
        await self._post(batch, Post(reply.conversation, reply.view, reply.ref))

    # ---- streaming (1:1 chats) ----------------------------------------------------------------------------------
    async def _stream_begin(self, batch: _Batch, reply: Post) -> bool:
        """The placeholder of a message FlowPilot is about to write, in a 1:1 chat: the start of a stream (False:
        not streamed here, or refused -- the caller posts it)."""
        chat = reply.conversation.channel
        if not self._streaming or not reply.ref or not chat or ids.kind_of(chat) is not ConversationKind.PERSONAL:
            return False
        service_url = self._reach.service_url(batch.team_id, reply.conversation)
        stream_id = await self._streams.begin((batch.team_id, reply.ref), service_url, chat, reply.view)
        if stream_id:
            await self._refs.put(batch.team_id, PLATFORM, reply.ref, MessageLocation(chat, stream_id))
        return bool(stream_id)

    async def _stream_on(self, batch: _Batch, reply: Update) -> None:
        """The text so far (``View.partial``), or the finished message that ends the stream (posted normally when
        the stream cannot carry it)."""
        key = (batch.team_id, reply.ref)
        if reply.view.partial:
            await self._streams.write(key, reply.view)
            return
        messages = render_message(reply.view)
        if not await self._streams.end(key, messages[0]):
            await self._post(batch, Post(reply.conversation, reply.view, reply.ref))
        elif len(messages) > 1:  # a card too large for one message: the rest follows, the ref moves to the last
            chat = reply.conversation.channel
            last = await self._send(batch, reply.conversation, chat, messages[1:])
            await self._refs.put(batch.team_id, PLATFORM, reply.ref, MessageLocation(chat, last))

    async def _stream_send(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        try:
            sent = await self._connectors.call(service_url, "stream", _poster(conversation_id, activity))
        except ConnectorError:
            self._observe("stream", False)
            raise
        self._observe("stream", True)
        return str(sent.id or "")

    async def _moved(self, team_id: str, ref: str, gone: MessageLocation) -> MessageLocation | None:
        """Where ``ref`` is now that its message at ``gone`` was not found (None if it is still ``gone``)."""
        forget = getattr(self._refs, "forget", None)
        if forget is None:
            return None
        forget(team_id, PLATFORM, ref)
        where = await self._refs.get(team_id, PLATFORM, ref)
        return None if where is None or where == gone else where

    async def _ephemeral(self, batch: _Batch, conversation: ConversationRef, person: Actor, view: View) -> None:
        messages = render_message(view)
        kind = ids.kind_of(conversation.channel) if conversation.channel else ConversationKind.PERSONAL
        if kind is not ConversationKind.PERSONAL and person.platform == PLATFORM and person.platform_user_id:
            messages = [outbound.addressed_to(messages[0], person), *messages[1:]]
        await self._in_place(batch, conversation, person, messages)

    async def _attachment(self, batch: _Batch, attachment: Attachment) -> None:
        """A picture, a file-consent card (an export in a 1:1 chat) or the document as code blocks in the thread
        (``render_document`` decides which)."""
        channel = attachment.conversation.channel
        personal = not channel or ids.kind_of(channel) is ConversationKind.PERSONAL
        messages = render_attachment(attachment, personal=personal, links=self._picture_links)
        await self._in_place(batch, attachment.conversation, batch.actor, messages)

    async def _tell_user(self, batch: _Batch, reply: Reply, error: str) -> None:
        conversation = getattr(reply, "conversation", None)
        if not isinstance(conversation, ConversationRef) or isinstance(reply, Ephemeral) or batch.actor is None:
            return
        if batch.actor.platform != PLATFORM or not batch.actor.platform_user_id:
            return
        text = texts.DELIVERY_FAILED.format(error=error)
        try:
            await self._ephemeral(batch, conversation, batch.actor, View((Text(text),), text))
        except ConnectorError:
            log.error("could not tell %s about the failed Teams call either", batch.actor.platform_user_id)


def _poster(conversation_id: str, activity: Activity) -> Callable[[TeamsConnectorClient], Awaitable[ResourceResponse]]:
    async def post(client: TeamsConnectorClient) -> ResourceResponse:
        return await client.conversations.send_to_conversation(conversation_id, activity)

    return post


def _updater(
    conversation_id: str, activity_id: str, activity: Activity
) -> Callable[[TeamsConnectorClient], Awaitable[ResourceResponse]]:
    async def put(client: TeamsConnectorClient) -> ResourceResponse:
        return await client.conversations.update_activity(conversation_id, activity_id, activity)

    return put

"""Deliver the engine's replies to Slack: post, update, ephemeral, DM, modal, and notes as thread messages.

Messages the engine names (``ref``) are remembered with their channel and ``ts`` so later ``Update``s find them.
A session card posted where there is no thread yet becomes the thread's parent: the rest of the batch goes into
that thread and the engine is told with a ``ThreadStarted`` event. Slack API failures are logged with the method
and error and, where possible, shown to the user; they are never swallowed silently.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine.events import Actor, ConversationRef, InboundEvent, ThreadStarted
from bot.engine.message_refs import MessageLocation, MessageRefs
from bot.engine.replies import (
    Attachment,
    Block,
    Code,
    Context,
    DirectMessage,
    Ephemeral,
    Header,
    HomeView,
    OpenForm,
    Post,
    Reply,
    Text,
    Update,
    View,
)
from bot.handlers.latest import LatestWins, ThreadHook, delivery_order
from bot.handlers.slack import ids
from bot.handlers.slack.mrkdwn import split_lines
from bot.handlers.slack.render import render_home, render_message, render_modal

log = logging.getLogger(__name__)
PLATFORM = "slack"
ATTACHMENT_CHUNK = 2800
FORM_EXPIRED = "Slack needs a fresh click to open that form (it only allows 3 seconds). Please click the button again."
UPLOAD_REFUSED = "Slack did not take this as a file ({error}), so here it is as messages."
UPLOAD_HINTS = {
    "missing_scope": "missing_scope: reinstall the app with the files:write scope from slack/manifest.yml",
    "not_in_channel": "not_in_channel: invite the bot to this channel",
}
DELIVERY_FAILED = (
    "Slack refused to show that update ({error}). Your answer was recorded; `/rf status` shows the session."
)

ClientFor = Callable[[str], Awaitable[AsyncWebClient]]


@dataclass
class _Batch:
    team_id: str
    client: AsyncWebClient
    actor: Actor | None
    threads: dict[str, str] = field(default_factory=dict)  # channel -> thread opened in this batch
    follow_ups: list[InboundEvent] = field(default_factory=list)


class SlackSender:
    """The Slack side of ``send(team_id, replies)``."""

    def __init__(
        self,
        client_for: ClientFor,
        refs: MessageRefs,
        now: Callable[[], datetime],
        observe: Callable[[str, bool], None] | None = None,
        lazy_delay: float = 0.0,
    ) -> None:
        self._client_for = client_for
        self._refs = refs
        self._now = now
        self._observe = observe or (lambda method, ok: None)
        self._lazy: LatestWins[tuple[str, Update]] = LatestWins(lazy_delay, self._deferred)
        self.on_thread: ThreadHook | None = None  # set by the composition root (see ``ThreadHook``)

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        """Deliver a batch in order; returns ``ThreadStarted`` events for cards that opened threads. ``actor`` (who
        caused the batch) is told when a delivery fails. Lazy updates (the session card) go last, or are deferred
        and folded with later ones when the sender has a ``lazy_delay``."""
        batch = _Batch(team_id, await self._client_for(team_id), actor)
        for reply in delivery_order(self._lazy, team_id, replies):
            await self._safely(batch, reply)
        return batch.follow_ups

    async def flush(self) -> None:
        """Deliver deferred updates now (at shutdown)."""
        await self._lazy.flush()

    async def _deferred(self, item: tuple[str, Update]) -> None:
        team_id, reply = item
        await self._safely(_Batch(team_id, await self._client_for(team_id), None), reply)

    async def _safely(self, batch: _Batch, reply: Reply) -> None:
        try:
            await self._one(batch, reply)
        except SlackApiError as err:
            error = str(err.response.get("error", "error")) if err.response is not None else "error"
            log.error("Slack %s failed for team %s: %s", type(reply).__name__, batch.team_id, error)
            await self._tell_user(batch, reply, error)

    def _thread(self, batch: _Batch, conversation: ConversationRef) -> str:
        return conversation.thread or batch.threads.get(conversation.channel, "")

    async def _call(self, method: str, call: Awaitable[object]) -> object:
        try:
            result = await call
        except SlackApiError:
            self._observe(method, False)
            raise
        self._observe(method, True)
        return result

    async def _one(self, batch: _Batch, reply: Reply) -> None:
        if isinstance(reply, Post | Update) and reply.ref and not (isinstance(reply, Update) and reply.lazy):
            self._lazy.cancel((batch.team_id, reply.ref))  # this newer view wins over a deferred one
        if isinstance(reply, Post):
            await self._post(batch, reply)
        elif isinstance(reply, Update):
            await self._update(batch, reply)
        elif isinstance(reply, Ephemeral):
            await self._ephemeral(batch, reply.conversation, reply.actor.platform_user_id, reply.view)
        elif isinstance(reply, DirectMessage):
            await self._direct(batch, reply.actor.platform_user_id, reply.view)
        elif isinstance(reply, OpenForm):
            await self._open_form(batch, reply)
        elif isinstance(reply, Attachment):
            await self._attachment(batch, reply)
        elif isinstance(reply, HomeView):
            await self._call(
                "views.publish",
                batch.client.views_publish(user_id=reply.actor.platform_user_id, view=render_home([reply.view])),
            )

    async def _direct(self, batch: _Batch, user: str, view: View) -> None:
        opened = await self._call("conversations.open", batch.client.conversations_open(users=user))
        channel = str(opened["channel"]["id"])  # type: ignore[index]
        await self._post_view(batch, channel, "", view)

    async def _post_view(self, batch: _Batch, channel: str, thread: str, view: View) -> str:
        ts = ""
        for message in render_message(view):
            result = await self._call(
                "chat.postMessage",
                batch.client.chat_postMessage(
                    channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread or None
                ),
            )
            ts = str(result["ts"])  # type: ignore[index]
        return ts

    async def _post(self, batch: _Batch, reply: Post) -> None:
        channel = reply.conversation.channel
        thread = self._thread(batch, reply.conversation)
        opens_thread = reply.root and not thread
        ts = await self._post_view(batch, channel, "" if opens_thread else thread, reply.view)
        if opens_thread:
            batch.threads[channel] = ts
            thread = ts
            started = ThreadStarted(
                team_id=batch.team_id,
                actor=_bot_actor(),
                conversation=reply.conversation,
                at=self._now(),
                event_id=f"slack:thread:{channel}:{ts}",
                session_id=reply.session_id,
                thread=ts,
            )
            if self.on_thread is not None:  # recorded before anything appears in the thread
                await self.on_thread(PLATFORM, started)
            else:
                batch.follow_ups.append(started)
        if reply.ref:
            await self._refs.put(batch.team_id, PLATFORM, reply.ref, MessageLocation(channel, ts, thread))

    async def _update(self, batch: _Batch, reply: Update) -> None:
        where = await self._refs.get(batch.team_id, PLATFORM, reply.ref)
        message = render_message(reply.view)[-1] if where is not None else None
        while where is not None and message is not None:
            try:
                await self._call(
                    "chat.update",
                    batch.client.chat_update(
                        channel=where.channel, ts=where.message_id, text=message.text, blocks=message.blocks
                    ),
                )
                return
            except SlackApiError as err:
                if err.response is None or err.response.get("error") != "message_not_found":
                    raise
            where = await self._moved(batch.team_id, reply.ref, where)
        await self._post(batch, Post(reply.conversation, reply.view, reply.ref))

    async def _moved(self, team_id: str, ref: str, gone: MessageLocation) -> MessageLocation | None:
        """Where ``ref`` is now that its message at ``gone`` was not found: a location remembered by this process
        may be stale (the message was posted anew elsewhere), so it is read again; None if it is still ``gone``."""
        forget = getattr(self._refs, "forget", None)
        if forget is None:
            return None
        forget(team_id, PLATFORM, ref)
        where = await self._refs.get(team_id, PLATFORM, ref)
        return None if where is None or where == gone else where

    async def _ephemeral(self, batch: _Batch, conversation: ConversationRef, user: str, view: View) -> None:
        if not conversation.channel:  # App Home is no conversation: say it in the person's DM with the app
            await self._direct(batch, user, view)
            return
        thread = self._thread(batch, conversation)
        for message in render_message(view):
            try:
                await self._call(
                    "chat.postEphemeral",
                    batch.client.chat_postEphemeral(
                        channel=conversation.channel,
                        user=user,
                        text=message.text,
                        blocks=message.blocks,
                        thread_ts=thread or None,
                    ),
                )
            except SlackApiError as err:
                response_url = str(conversation.extras.get("response_url", ""))
                if (
                    not response_url
                    or err.response is None
                    or err.response.get("error") not in ("not_in_channel", "channel_not_found", "user_not_in_channel")
                ):
                    raise
                await self._respond(batch, response_url, message.text, message.blocks)

    async def _respond(self, batch: _Batch, response_url: str, text: str, blocks: list[dict[str, object]]) -> None:
        """The slash command's response_url works even where the bot is not a channel member."""
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        response = await AsyncWebhookClient(response_url).send(text=text, blocks=blocks, response_type="ephemeral")
        self._observe("response_url", response.status_code == 200)

    async def _open_form(self, batch: _Batch, form: OpenForm) -> None:
        trigger = str(form.conversation.extras.get("trigger_id", ""))
        metadata = ids.FormMetadata(
            form.session_id, form.state_version, form.conversation.channel, self._thread(batch, form.conversation)
        )
        if not trigger:
            await self._ephemeral(
                batch, form.conversation, form.actor.platform_user_id, View((Text(FORM_EXPIRED),), FORM_EXPIRED)
            )
            return
        try:
            await self._call(
                "views.open", batch.client.views_open(trigger_id=trigger, view=render_modal(form, metadata))
            )
        except SlackApiError as err:
            if err.response is None or err.response.get("error") not in (
                "expired_trigger_id",
                "trigger_expired",
                "trigger_exchanged",
                "invalid_trigger",
            ):
                raise
            await self._ephemeral(
                batch, form.conversation, form.actor.platform_user_id, View((Text(FORM_EXPIRED),), FORM_EXPIRED)
            )

    async def _attachment(self, batch: _Batch, attachment: Attachment) -> None:
        """An export (``upload``) becomes a file in the thread (``files.getUploadURLExternal``, the bytes to the
        returned URL, ``files.completeUploadExternal`` with the channel and thread). Closing notes, and exports
        Slack refuses to take as a file (no ``files:write`` scope, a failed upload), go into the thread as
        messages, the refusal said first: code blocks cut at line boundaries keep their layout, and the renderer
        spreads them over as many messages as Slack's limits need."""
        channel, thread = attachment.conversation.channel, self._thread(batch, attachment.conversation)
        title = f"{attachment.title or 'Document'} — {attachment.filename}"
        refused = await self._upload(batch, attachment, channel, thread, title) if attachment.upload else None
        if refused == "":
            return
        if attachment.data:  # a picture cannot be posted as text: say what it was and why it did not come
            why_not = Context(UPLOAD_REFUSED.format(error=refused or "no channel to upload to"))
            view = View((Header(title), Text(attachment.content), why_not), title)
            await self._post_view(batch, channel, thread, view)
            return
        chunks = split_lines(attachment.content, ATTACHMENT_CHUNK)
        language = attachment.mime_type.split("/")[-1]
        why: tuple[Block, ...] = (Context(UPLOAD_REFUSED.format(error=refused)),) if refused else ()
        blocks: tuple[Block, ...] = (Header(title), *why, *(Code(chunk, language) for chunk in chunks))
        await self._post_view(batch, channel, thread, View(blocks, title))

    async def _upload(self, batch: _Batch, attachment: Attachment, channel: str, thread: str, title: str) -> str | None:
        """Share the document as a file: "" when done, Slack's reason when refused, None when not tried (no
        channel: App Home)."""
        if not channel:
            return None
        try:
            await self._call(
                "files.upload",
                batch.client.files_upload_v2(
                    channel=channel,
                    thread_ts=thread or None,
                    filename=attachment.filename,
                    content=attachment.data or attachment.content.encode("utf-8"),
                    title=title,
                ),
            )
        except SlackApiError as err:
            error = str(err.response.get("error", "error")) if err.response is not None else "error"
            log.warning(
                "Slack file upload refused for team %s: %s; sending the document as messages", batch.team_id, error
            )
            return UPLOAD_HINTS.get(error, error)
        except SlackRequestError:  # the bytes did not reach the upload URL (not logged: the URL is a credential)
            self._observe("files.upload", False)
            log.warning("Slack file upload failed for team %s; sending the document as messages", batch.team_id)
            return "the upload did not go through"
        return ""

    async def _tell_user(self, batch: _Batch, reply: Reply, error: str) -> None:
        conversation = getattr(reply, "conversation", None)
        if not isinstance(conversation, ConversationRef) or isinstance(reply, Ephemeral) or batch.actor is None:
            return
        user = batch.actor.platform_user_id
        if batch.actor.platform != PLATFORM or not user:
            return
        text = DELIVERY_FAILED.format(error=error)
        try:
            await self._ephemeral(batch, conversation, user, View((Text(text),), text))
        except SlackApiError:
            log.error("could not tell user %s about the failed Slack call either", user)


def _bot_actor() -> Actor:
    return Actor(PLATFORM, "bot", "ResolutionFlow")

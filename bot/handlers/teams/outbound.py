"""The activities and conversation parameters the sender hands the Bot Connector (pure: no I/O).

A proactive send carries what the SDK's own turn replies carry: ``type``, ``channelId`` ``msteams``, ``serviceUrl``,
``from`` = the bot (``28:<app id>``), ``conversation`` (the thread's ``;messageid=`` id in a channel), the card
attachment and the notification ``summary``; an update carries the message's ``id`` too.

Mentions are real: ``<at>Name</at>`` in a card ``TextBlock`` plus a ``mention`` entity under the card's
``msteams.entities`` naming the person's Teams id, which is what makes Teams notify them (text alone only looks like
a mention).

A streamed reply (Teams' streaming protocol, 1:1 chats only) is a series of ``typing`` activities carrying the text
so far and a ``streaminfo`` entity (the SDK's ``StreamInfo``: ``streamType`` ``informative``/``streaming``,
``streamSequence`` 1, 2, 3 ..., and from the second on the ``streamId`` Teams returned for the first), then one
``message`` with ``streamType`` ``final`` and no sequence, which becomes the finished message. As the SDK's own
``StreamingResponse`` does, every activity after the first also carries the stream id as its ``id``.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity, ConversationParameters, StreamInfo

from bot.engine.events import Actor
from bot.handlers.teams.render import RenderedMessage
from bot.handlers.teams.render_elements import mention_entity, text_block

CHANNEL_ID = "msteams"


def _envelope(conversation_id: str, bot_id: str, service_url: str) -> dict[str, Any]:
    return {
        "channelId": CHANNEL_ID,
        "serviceUrl": service_url,
        "from": {"id": bot_id},
        "conversation": {"id": conversation_id},
    }


def message(
    rendered: RenderedMessage, conversation_id: str, bot_id: str, service_url: str, activity_id: str = ""
) -> Activity:
    """A message activity for ``conversation_id`` (with ``activity_id``: the replacement of that message)."""
    wire: dict[str, Any] = rendered.activity() | _envelope(conversation_id, bot_id, service_url)
    if activity_id:
        wire["id"] = activity_id
    return Activity.model_validate(wire)


def stream_update(
    text: str, sequence: int, stream_id: str, conversation_id: str, bot_id: str, service_url: str, *, informative: bool
) -> Activity:
    """One step of a stream: ``informative`` (a progress line) or ``streaming`` (the cumulative text so far)."""
    wire: dict[str, Any] = {"type": "typing", "text": text} | _envelope(conversation_id, bot_id, service_url)
    activity = Activity.model_validate(wire)
    info = StreamInfo(stream_type="informative" if informative else "streaming", stream_sequence=sequence)
    if stream_id:
        info.stream_id = activity.id = stream_id
    activity.entities = [info]
    return activity


def stream_final(
    rendered: RenderedMessage, stream_id: str, conversation_id: str, bot_id: str, service_url: str
) -> Activity:
    """The message that ends stream ``stream_id`` and replaces what it showed (the finished card)."""
    activity = message(rendered, conversation_id, bot_id, service_url, stream_id)
    activity.entities = [StreamInfo(stream_type="final", stream_id=stream_id)]
    return activity


def addressed_to(rendered: RenderedMessage, actor: Actor) -> RenderedMessage:
    """The message with a first line that @mentions ``actor`` (a notice for one person in a shared thread)."""
    tag, entity = mention_entity(actor)
    card = dict(rendered.card)
    card["body"] = [text_block(tag), *card.get("body", [])]
    msteams = dict(card.get("msteams") or {})
    known = list(msteams.get("entities", []))
    msteams["entities"] = known if entity in known else [*known, entity]
    card["msteams"] = msteams
    return RenderedMessage(rendered.summary, card)


def new_channel_post(first: Activity, channel: str, tenant: str, bot_id: str) -> ConversationParameters:
    """Start a thread in ``channel`` with ``first`` as its root message (``POST /v3/conversations``)."""
    data: dict[str, Any] = {"channel": {"id": channel}}
    wire: dict[str, Any] = {"isGroup": True, "bot": {"id": bot_id}, "activity": first, "channelData": data}
    if tenant:  # fields left unset stay off the wire
        data["tenant"] = {"id": tenant}
        wire["tenantId"] = tenant
    return ConversationParameters.model_validate(wire)


def personal_chat(user_id: str, tenant: str, bot_id: str) -> ConversationParameters:
    """Open (or find: Teams returns the existing one) the bot's 1:1 chat with ``user_id``."""
    return ConversationParameters.model_validate(
        {
            "isGroup": False,
            "bot": {"id": bot_id},
            "members": [{"id": user_id}],
            "channelData": {"tenant": {"id": tenant}},
            "tenantId": tenant,
        }
    )

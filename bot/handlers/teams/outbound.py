"""The activities and conversation parameters the sender hands the Bot Connector (pure: no I/O).

A proactive send carries what the SDK's own turn replies carry: ``type``, ``channelId`` ``msteams``, ``serviceUrl``,
``from`` = the bot (``28:<app id>``), ``conversation`` (the thread's ``;messageid=`` id in a channel), the card
attachment and the notification ``summary``; an update carries the message's ``id`` too.

Mentions are real: ``<at>Name</at>`` in a card ``TextBlock`` plus a ``mention`` entity under the card's
``msteams.entities`` naming the person's Teams id, which is what makes Teams notify them (text alone only looks like
a mention).
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity, ConversationParameters

from bot.engine.events import Actor
from bot.handlers.teams.render import RenderedMessage
from bot.handlers.teams.render_elements import text_block

CHANNEL_ID = "msteams"
NAME_CHARS = 100


def message(
    rendered: RenderedMessage, conversation_id: str, bot_id: str, service_url: str, activity_id: str = ""
) -> Activity:
    """A message activity for ``conversation_id`` (with ``activity_id``: the replacement of that message)."""
    wire: dict[str, Any] = rendered.activity() | {
        "channelId": CHANNEL_ID,
        "serviceUrl": service_url,
        "from": {"id": bot_id},
        "conversation": {"id": conversation_id},
    }
    if activity_id:
        wire["id"] = activity_id
    return Activity.model_validate(wire)


def mention_tag(actor: Actor) -> tuple[str, dict[str, Any]]:
    """``<at>Name</at>`` and its mention entity for ``actor``."""
    name = " ".join((actor.display_name or actor.platform_user_id).replace("<", "").replace(">", "").split())
    tag = f"<at>{name[:NAME_CHARS]}</at>"
    return tag, {"type": "mention", "text": tag, "mentioned": {"id": actor.platform_user_id, "name": name}}


def addressed_to(rendered: RenderedMessage, actor: Actor) -> RenderedMessage:
    """The message with a first line that @mentions ``actor`` (a notice for one person in a shared thread)."""
    tag, entity = mention_tag(actor)
    card = dict(rendered.card)
    card["body"] = [text_block(tag), *card.get("body", [])]
    msteams = dict(card.get("msteams") or {})
    msteams["entities"] = [*msteams.get("entities", []), entity]
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

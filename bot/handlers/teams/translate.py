"""Teams activities -> neutral engine events (pure: an ``Activity`` in, events out, no I/O).

The same events the Slack translator produces for the equivalent Slack payloads:

* a channel message that @mentions the bot (the bot's ``<at>…</at>`` removed, other people's mentions kept as
  ``@Name``): a command when its first word is a command word (``bot.handlers.commands``) or it is an admin command
  (``admin`` alone or before one of its sub-commands: Teams has no slash command, Slack's way to reach every command,
  while a sentence like "admin account locked out" stays free text), ``help`` when empty,
  else a question for FlowPilot at the top of a channel (the session lives in the thread under the post) or a
  note inside a thread. The thread is the ``;messageid=`` root of the conversation id; a top-level post is its own
  root, so a session started from it lives in its thread (as Slack's ``thread_ts or ts``).
* a channel thread message without a mention (Teams only delivers those with the RSC permission): a note.
* personal chat: commands without a mention, other text to FlowPilot (as a Slack DM outside a thread; personal
  chats have no threads, so a guided session's notes there need the ``note`` command). Group chats: as personal
  chat, but only when the bot is mentioned.
* files shared with a message become the event's ``FileRef``s (``files_of``), as on Slack: a file attached in a 1:1
  chat (``application/vnd.microsoft.teams.file.download.info``: its pre-authorised ``downloadUrl``), an image pasted
  into the message (``image/*`` with a ``contentUrl`` that needs the bot's token), and any other named attachment
  with a ``contentUrl`` (a file in a channel's SharePoint, which the bot cannot read: the fetcher says so). A
  message with files and no text still reaches FlowPilot.
* ``invoke`` ``adaptiveCard/action`` (``Action.Execute``) and a ``message`` whose ``value`` is our card data
  (``Action.Submit``, older clients): a button press, a select choice or a form submission (``ids``). A form's
  Cancel gives no event, only ``dismissed``.
* ``installationUpdate`` (add) in personal chat, and ``home`` (the whole message) addressed to the bot anywhere:
  ``HomeOpened`` (the personal chat is the home surface, as Slack's App Home tab; the card goes there). Other
  ``conversationUpdate``/``installationUpdate`` activities (bot added to a team, removed) give no event: the engine
  needs none yet; the caller may keep the conversation reference for proactive posts.

Every result carries the activity's conversation reference (what a reply or proactive send needs). Payloads we
cannot read give ``Translated.error`` (for the log) and, when the person acted on a card, a ``notice`` to show —
never an exception. Event ids are stable across Teams' redeliveries (activity id + a digest of the conversation id).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity

from bot.engine.events import (
    ActionId,
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    FileRef,
    FormId,
    FormSubmitted,
    HomeOpened,
    InboundEvent,
    MessageReceived,
)
from bot.handlers.commands import is_command, split_command
from bot.handlers.teams import ids, texts
from bot.handlers.teams.ids import ConversationKind

PLATFORM = ids.PLATFORM
CARD_ACTION = "adaptiveCard/action"
INSTALL_ACTIONS = frozenset({"add", "add-upgrade"})
BOT_PREFIX = "28:"  # Teams ids of bots; people are "29:…"
AT_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
NOT_FILES = ("text/html", "application/vnd.microsoft.card.", "application/vnd.microsoft.teams.card.")
UNDECLARED = "application/octet-stream"  # Teams names no media type for an uploaded file: its name decides
MAX_FILES = 10
IMAGE_NAMES = frozenset({"png", "jpeg", "gif", "webp"})
HOME = "home"


class Untranslatable(ValueError):
    """An activity this adapter cannot turn into an event; ``reason`` is for the log, not the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Translated:
    """What an activity means: ``events`` for the inbox (none when ignored), the conversation ``reference``
    (``ConversationReference`` JSON, for replies and proactive sends), ``invoke`` when Teams awaits an invoke
    response, ``card_id`` (the card acted on, for replacing it), the actor's ``aad_object_id`` (for identity
    lookups), ``dismissed`` (a form's Cancel), ``error`` (unreadable: for the log) and ``notice`` (for the user)."""

    events: tuple[InboundEvent, ...] = ()
    reference: dict[str, Any] = field(default_factory=dict)
    invoke: bool = False
    card_id: str = ""
    aad_object_id: str = ""
    dismissed: bool = False
    error: str = ""
    notice: str = ""


def parse(body: Mapping[str, Any]) -> Activity:
    """The SDK ``Activity`` of a request body; ``Untranslatable`` when it is not one."""
    try:
        return Activity.model_validate(dict(body))
    except (ValueError, TypeError) as err:  # pydantic's ValidationError; the SDK's own checks raise TypeError too
        raise Untranslatable(f"not an activity: {str(err).splitlines()[0]}") from None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def tenant_of(activity: Activity | Mapping[str, Any]) -> str:
    """The Microsoft 365 tenant of an activity (``channelData.tenant.id``, else ``conversation.tenantId``); ""
    when it names none. The caller maps it to our team."""
    if isinstance(activity, Mapping):
        data, conversation = _dict(activity.get("channelData")), _dict(activity.get("conversation"))
        return str(_dict(data.get("tenant")).get("id") or conversation.get("tenantId") or "")
    tenant = _dict(_dict(activity.channel_data).get("tenant")).get("id")
    return str(tenant or (activity.conversation.tenant_id if activity.conversation else "") or "")


def _reference(activity: Activity) -> dict[str, Any]:
    try:
        reference = activity.get_conversation_reference()
    except (ValueError, TypeError, AttributeError):
        return {}
    return reference.model_dump(mode="json", by_alias=True, exclude_none=True)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _need(value: Any, what: str) -> str:
    if value is None or value == "":
        raise Untranslatable(f"missing {what}")
    return str(value)


def _actor(activity: Activity) -> Actor:
    sender = activity.from_property
    user_id = _need(sender.id if sender else None, "from.id")
    return Actor(PLATFORM, user_id, str((sender.name if sender else "") or user_id))


def _extras(activity: Activity, message_id: str) -> dict[str, Any]:
    extras = {"tenant": tenant_of(activity), "service_url": activity.service_url or "", "message_id": message_id}
    team = _dict(_dict(activity.channel_data).get("team")).get("id")
    if team:
        extras["team"] = str(team)
    return extras


class _Context:
    """The parts of an activity every event needs."""

    def __init__(self, activity: Activity, team_id: str, at: datetime) -> None:
        self.activity, self.team_id, self.at = activity, team_id, at
        conversation = activity.conversation
        self.conversation_id = _need(conversation.id if conversation else None, "conversation.id")
        stated = (conversation.conversation_type if conversation else "") or ""
        self.kind = ids.kind_of(self.conversation_id, str(stated))
        self.activity_id = _need(activity.id, "activity id")[:200]

    def common(self, conversation: ConversationRef, kind: str) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "actor": _actor(self.activity),
            "conversation": conversation,
            "at": self.at,
            "event_id": f"teams:{kind}:{self.activity_id}:{_digest(self.conversation_id)}",
        }

    def here(self, thread_fallback: str, message_id: str) -> ConversationRef:
        """This conversation: a channel's thread root (or ``thread_fallback`` at the top level), no thread in chats."""
        base, root = ids.split_conversation_id(self.conversation_id)
        thread = (root or thread_fallback) if self.kind is ConversationKind.CHANNEL else ""
        return ConversationRef(PLATFORM, base, thread, _extras(self.activity, message_id))


def _mentions_of_bot(activity: Activity) -> list[str]:
    """The text of every mention of the bot (the activity's recipient) in the message."""
    bot = activity.recipient.id if activity.recipient else None
    found = []
    for mention in activity.get_mentions():
        if bot and mention.mentioned and mention.mentioned.id == bot:
            found.append(mention.text or f"<at>{mention.mentioned.name or ''}</at>")
    return found


def clean_text(activity: Activity) -> tuple[str, bool]:
    """The message text without the bot's mentions (other ``<at>Name</at>`` become ``@Name``; non-breaking spaces
    become spaces), and whether the bot was mentioned."""
    text = (activity.text or "").replace("\xa0", " ")
    mentions = _mentions_of_bot(activity)
    for mention in mentions:
        text = re.sub(re.escape(mention), "", text, flags=re.IGNORECASE)
    return AT_TAG.sub(lambda m: f"@{m.group(1).strip()}", text).strip(), bool(mentions)


def _file(item: dict[str, Any], service_url: str, n: int) -> FileRef | None:
    kind, content, url = str(item.get("contentType") or ""), _dict(item.get("content")), item.get("contentUrl")
    name, mime = str(item.get("name") or "").strip(), UNDECLARED
    if kind == FILE_INFO and content.get("downloadUrl"):
        name = name or f"file-{n}.{content.get('fileType') or 'bin'}"
        locator = {"kind": "download", "url": str(content["downloadUrl"]), "id": str(content.get("uniqueId") or "")}
    elif kind.startswith("image/") and isinstance(url, str) and url:
        subtype = kind.removeprefix("image/").split(";")[0].strip().lower()  # Teams often says just "image/*"
        name, mime = name or f"pasted-image-{n}.{subtype if subtype in IMAGE_NAMES else 'png'}", kind
        locator = {"kind": "inline", "url": url}
    elif name and isinstance(url, str) and url and not kind.startswith(NOT_FILES):
        locator = {"kind": "elsewhere", "url": url}
    else:
        return None
    return FileRef(name[:200], mime, 0, PLATFORM, locator | {"service_url": service_url})


def files_of(activity: Activity) -> tuple[FileRef, ...]:
    """The files shared with a message as neutral references (size unknown: Teams does not say; the fetcher
    enforces the cap). The locator keeps how to fetch each (``kind`` download/inline/elsewhere, ``url``) and the
    ``serviceUrl`` the activity came from."""
    refs: list[FileRef] = []
    for item in activity.attachments or []:
        wire = item.model_dump(mode="json", by_alias=True, exclude_none=True) if not isinstance(item, dict) else item
        ref = _file(wire, activity.service_url or "", len(refs) + 1)
        if ref is not None and len(refs) < MAX_FILES:
            refs.append(ref)
    return tuple(refs)


def _message(ctx: _Context) -> tuple[InboundEvent, ...]:
    activity = ctx.activity
    sender = activity.from_property
    if sender and (str(sender.id or "").startswith(BOT_PREFIX) or sender.role == "bot"):
        return ()  # a bot's message (ours or another app's), as Slack ignores bot messages
    text, mentioned = clean_text(activity)
    files = files_of(activity)
    _, root = ids.split_conversation_id(ctx.conversation_id)
    in_thread = ctx.kind is ConversationKind.CHANNEL and bool(root) and root != ctx.activity_id
    addressed = mentioned or ctx.kind is ConversationKind.PERSONAL
    if not addressed and not (in_thread and (text or files)):
        return ()  # a channel post or group-chat message not meant for us
    if not text and not files and ctx.kind is ConversationKind.PERSONAL:
        return ()  # an empty message
    if addressed and text.lower() == HOME and not files:
        return (HomeOpened(**ctx.common(ctx.here("", ""), "home")),)
    common = ctx.common(ctx.here(ctx.activity_id, ctx.activity_id), "msg")
    name, args = split_command(text)
    if addressed and is_command(name, args):
        return (CommandIssued(**common, name=name, args=args, files=files),)
    if addressed and not text and not files:
        return (CommandIssued(**common, name="help", args=""),)
    if not in_thread:  # a mention at the top of a channel, or a chat: ask FlowPilot (it starts the session here)
        return (CommandIssued(**common, name="pilot", args=text, files=files),)
    return (MessageReceived(**common, text=text, files=files),)


def _card_action(ctx: _Context, raw_verb: str | None, data: Any) -> Translated:
    try:
        action = ids.parse_action(raw_verb, data)
    except ids.BadPayload as err:
        raise Untranslatable(str(err)) from None
    card_id = ctx.activity.reply_to_id or ""
    if action.target is None:
        return Translated(card_id=card_id, dismissed=True)
    here = ctx.here(card_id or ctx.activity_id, card_id)
    if isinstance(action.target, FormId) and isinstance(action.payload, ids.FormData):
        meta = action.payload
        conversation = ConversationRef(PLATFORM, meta.channel, meta.thread, here.extras) if meta.channel else here
        form = FormSubmitted(
            **ctx.common(conversation, "form"),
            form=action.target,
            session_id=meta.session_id,
            state_version=meta.state_version,
            values=action.inputs,
        )
        return Translated(events=(form,), card_id=card_id)
    target, button = action.target, action.payload
    if not isinstance(target, ActionId) or not isinstance(button, ids.ButtonData):
        raise Untranslatable("card action without its data")  # parse_action pairs them; never reached
    value = action.choice()
    if button.input_id and not value:
        return Translated(card_id=card_id, notice=texts.PICK_FIRST.format(label=texts.CHOOSE))
    conversation = ConversationRef(PLATFORM, "", "", here.extras) if button.home else here
    pressed = ButtonPressed(
        **ctx.common(conversation, "act"),
        action=target,
        session_id=button.session_id,
        state_version=button.state_version,
        value=value,
    )
    return Translated(events=(pressed,), card_id=card_id)


def _installed(ctx: _Context) -> tuple[InboundEvent, ...]:
    if ctx.activity.action not in INSTALL_ACTIONS or ctx.kind is not ConversationKind.PERSONAL:
        return ()
    return (HomeOpened(**ctx.common(ctx.here("", ""), "install")),)


def _is_submit(activity: Activity) -> bool:
    value = activity.value
    return isinstance(value, dict) and (ids.DATA_KEY in value or ids.VERB_KEY in value) and not activity.text


def _translate(activity: Activity, team_id: str, at: datetime) -> Translated:
    kind = activity.type
    if kind == "invoke":
        if activity.name != CARD_ACTION:
            raise Untranslatable(f"unsupported invoke {str(activity.name)[:80]!r}")
        action = _dict(_dict(activity.value).get("action"))
        if action.get("type") != "Action.Execute":
            raise Untranslatable(f"card action of type {str(action.get('type'))[:40]!r}")
        verb = action.get("verb")
        ctx = _Context(activity, team_id, at)
        return _card_action(ctx, verb if isinstance(verb, str) else None, action.get("data"))
    if kind == "message" and _is_submit(activity):
        return _card_action(_Context(activity, team_id, at), None, activity.value)
    if kind == "message":
        return Translated(events=_message(_Context(activity, team_id, at)))
    if kind == "installationUpdate":
        return Translated(events=_installed(_Context(activity, team_id, at)))
    return Translated()  # conversationUpdate, typing, reactions, edits, deletions: nothing for the engine yet


def translate(activity: Activity | Mapping[str, Any], team_id: str, at: datetime) -> Translated:
    """An activity (SDK object or request JSON) -> its events and conversation reference. ``team_id`` is OUR team,
    resolved by the caller from ``tenant_of``; ``at`` the receive time. Never raises for a bad payload."""
    if isinstance(activity, Mapping):
        try:
            activity = parse(activity)
        except Untranslatable as err:
            return Translated(error=err.reason)
    sender = activity.from_property
    base = Translated(
        reference=_reference(activity),
        invoke=activity.type == "invoke",
        aad_object_id=str((sender.aad_object_id if sender else "") or ""),
    )
    acted = base.invoke or (activity.type == "message" and _is_submit(activity))
    try:
        result = _translate(activity, team_id, at)
    except Untranslatable as err:
        result = Translated(error=err.reason, notice=texts.UNREADABLE if acted else "")
    return replace(result, reference=base.reference, invoke=base.invoke, aad_object_id=base.aad_object_id)

"""Slack payloads -> neutral engine events (pure: dicts in, events out, no I/O).

Every function takes the parsed body, ``team_id`` (OUR tenant, resolved by the caller from the Slack workspace)
and the receive time. Unreadable payloads raise ``Untranslatable``; payloads we deliberately ignore (bot
messages, edits, threads we don't own, the App Home's Messages tab) give ``None`` or an empty list. Each event's
``event_id`` is stable across Slack's retries and double clicks (clicks are keyed by user and `action_ts`: two
people clicking in the same microsecond are two events), so the inbox stores it once.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.engine.events import (
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    FileRef,
    FormSubmitted,
    HomeOpened,
    MessageReceived,
)
from bot.handlers.commands import is_command, split_command
from bot.handlers.slack import ids

PLATFORM = "slack"
MESSAGE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
MAX_FILES = 20  # Slack allows 10 files per message; more is not a real payload
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


class Untranslatable(ValueError):
    """A payload this adapter cannot turn into an event; ``reason`` is for the log, not the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def unescape(text: str) -> str:
    """Undo Slack's escaping of ``&``, ``<`` and ``>`` in incoming text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _get(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...`` or None when any step is missing."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first(items: Any) -> dict[str, Any]:
    return _dict(items[0]) if isinstance(items, list) and items else {}


def _need(data: Any, *path: str) -> str:
    value = _get(data, *path)
    if value is None or value == "":
        raise Untranslatable(f"missing {'.'.join(path)}")
    return str(value)


def team_of(body: dict[str, Any]) -> str:
    """The Slack workspace (team) id of a payload: ``team.id``, ``team_id``, ``user.team_id`` or authorizations."""
    team = body.get("team")
    for candidate in (
        team.get("id") if isinstance(team, dict) else team,
        body.get("team_id"),
        _get(body, "user", "team_id"),
        _get(body, "view", "team_id"),
        _get(body, "event", "team"),
        _first(body.get("authorizations")).get("team_id"),
    ):
        if candidate:
            return str(candidate)
    raise Untranslatable("no team id in payload")


def user_of(body: dict[str, Any]) -> str:
    """The Slack user id of a payload: ``user_id``, ``user.id`` (or a string ``user``), or ``event.user``."""
    user = body.get("user")
    candidates = (body.get("user_id"), user.get("id") if isinstance(user, dict) else user, _get(body, "event", "user"))
    for candidate in candidates:
        if candidate:
            return str(candidate)
    raise Untranslatable("no user id in payload")


def _actor(body: dict[str, Any]) -> Actor:
    user = body.get("user")
    name = (user.get("username") or user.get("name")) if isinstance(user, dict) else body.get("user_name")
    user_id = user_of(body)
    return Actor(PLATFORM, user_id, str(name or user_id))


def files_of(event: dict[str, Any]) -> tuple[FileRef, ...]:
    """The files shared with a message (its ``files`` array) as neutral references: name, media type, size, and
    the file id plus private download URL as the locator (``url_private_download``, else ``url_private``). Deleted
    files (``mode: tombstone``) are left out."""
    refs: list[FileRef] = []
    files = event.get("files")
    for item in files[:MAX_FILES] if isinstance(files, list) else ():
        if not isinstance(item, dict) or not item.get("id") or item.get("mode") == "tombstone":
            continue
        size = item.get("size")
        url = item.get("url_private_download") or item.get("url_private") or ""
        refs.append(
            FileRef(
                name=str(item.get("name") or item.get("title") or item["id"])[:200],
                mime_type=str(item.get("mimetype") or ""),
                size=size if isinstance(size, int) and size > 0 else 0,
                platform=PLATFORM,
                locator={"id": str(item["id"]), "url": str(url)},
            )
        )
    return tuple(refs)


def _strip_mention(text: str, bot_user_id: str) -> str:
    """Text without mentions of the bot (or, when the bot id is unknown, without one leading mention)."""
    if bot_user_id:
        return MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text).strip()
    return MENTION.sub("", text, count=1).strip() if MENTION.match(text.strip()) else text.strip()


def command_event(body: dict[str, Any], team_id: str, at: datetime, *, bot_user_id: str = "") -> CommandIssued:
    """A slash command (``/rf start vpn #123``) -> ``CommandIssued(name="start", args="vpn #123")``; empty -> help."""
    trigger_id = _need(body, "trigger_id")
    name, args = split_command(_strip_mention(unescape(str(body.get("text") or "")), bot_user_id))
    extras = {"team": _need(body, "team_id"), "response_url": body.get("response_url", ""), "trigger_id": trigger_id}
    return CommandIssued(
        team_id=team_id,
        actor=Actor(PLATFORM, _need(body, "user_id"), str(body.get("user_name") or body["user_id"])),
        conversation=ConversationRef(PLATFORM, _need(body, "channel_id"), "", extras),
        at=at,
        event_id=f"slack:cmd:{trigger_id}",
        name=name or "help",
        args=args,
    )


def _action_conversation(body: dict[str, Any], team: str) -> ConversationRef:
    message = _dict(body.get("message"))
    channel = _get(body, "channel", "id") or _get(body, "container", "channel_id")
    message_ts = str(message.get("ts") or _get(body, "container", "message_ts") or "")
    if channel and message:
        dm = str(channel).startswith("D")  # a DM is one conversation: only real threads count there
        thread = str(message.get("thread_ts") or ("" if dm else message.get("ts") or ""))
    elif channel:  # an ephemeral message: Slack sends no `message`; stay where it was shown
        thread = str(_get(body, "container", "thread_ts") or "")
    elif _get(body, "view", "type") == "home":  # App Home is no conversation: the engine picks where to answer
        channel, thread = "", ""
    else:  # a modal: the conversation travels in its metadata
        try:
            meta = ids.FormMetadata.decode(_need(body, "view", "private_metadata"))
        except ids.BadPayload as err:
            raise Untranslatable(f"action without a channel: {err}") from None
        channel, thread = meta.channel, meta.thread
    extras = {
        "team": team,
        "message_ts": message_ts,
        "trigger_id": body.get("trigger_id", ""),
        "response_url": body.get("response_url", ""),
    }
    return ConversationRef(PLATFORM, str(channel), thread, extras)


def action_events(body: dict[str, Any], team_id: str, at: datetime) -> list[ButtonPressed]:
    """A ``block_actions`` payload -> one ``ButtonPressed`` per action of ours (buttons and static selects)."""
    actions = body.get("actions")
    if not isinstance(actions, list):
        raise Untranslatable("block_actions without actions")
    events: list[ButtonPressed] = []
    conversation: ConversationRef | None = None
    for action in actions:
        raw_id = str(_get(action, "action_id") or "")
        try:
            action_id = ids.parse_action_id(raw_id)
        except ids.BadPayload:
            continue
        raw_value = action.get("value") if "value" in action else _get(action, "selected_option", "value")
        try:
            value = ids.ButtonValue.decode(str(raw_value or ""))
        except ids.BadPayload as err:
            raise Untranslatable(f"{raw_id}: {err}") from None
        conversation = conversation or _action_conversation(body, team_of(body))
        events.append(
            ButtonPressed(
                team_id=team_id,
                actor=_actor(body),
                conversation=conversation,
                at=at,
                event_id=f"slack:act:{user_of(body)}:{_need(action, 'action_ts')}:{raw_id}",
                action=action_id,
                session_id=value.session_id,
                state_version=value.state_version,
                value=value.value,
            )
        )
    return events


def _input_value(element: Any) -> str:
    if not isinstance(element, dict):
        return ""
    if "selected_option" in element:
        return str(_get(element, "selected_option", "value") or "")
    return str(element.get("value") or "")


def form_event(body: dict[str, Any], team_id: str, at: datetime) -> FormSubmitted:
    """A ``view_submission`` of one of our modals -> ``FormSubmitted`` (values keyed by the input's block id)."""
    view = body.get("view")
    if not isinstance(view, dict):
        raise Untranslatable("view_submission without a view")
    try:
        form = ids.parse_callback_id(str(view.get("callback_id") or ""))
        meta = ids.FormMetadata.decode(str(view.get("private_metadata") or ""))
    except ids.BadPayload as err:
        raise Untranslatable(str(err)) from None
    state = _dict(_get(view, "state", "values"))
    values: dict[str, str] = {}
    for block_id, elements in state.items():
        if isinstance(elements, dict) and elements:
            element = elements.get(ids.INPUT_ACTION, next(iter(elements.values())))
            values[str(block_id)] = _input_value(element)
    response_url = _first(body.get("response_urls")).get("response_url", "")
    extras = {"team": team_of(body), "trigger_id": body.get("trigger_id", ""), "response_url": response_url}
    return FormSubmitted(
        team_id=team_id,
        actor=_actor(body),
        conversation=ConversationRef(PLATFORM, meta.channel, meta.thread, extras),
        at=at,
        event_id=f"slack:view:{_need(view, 'id')}:{_need(view, 'hash')}",
        form=form,
        session_id=meta.session_id,
        state_version=meta.state_version,
        values=values,
    )


def message_event(
    event: dict[str, Any], envelope: dict[str, Any], team_id: str, at: datetime, bot_user_id: str
) -> MessageReceived | CommandIssued | None:
    """A ``message`` or ``app_mention`` event -> a command or a message in a conversation; None when ignored.

    Messages count in DMs and in channel threads the bot started; ``app_mention`` starts a thread under the
    mention (commands) or adds a note inside a thread. Files shared with the message travel on the event (a file
    alone, without text, is a message too). Bot messages, edits and deletions are ignored.
    """
    kind, subtype = event.get("type"), event.get("subtype")
    if kind not in ("message", "app_mention") or event.get("bot_id"):
        return None
    if not isinstance(subtype, str | None) or subtype not in MESSAGE_SUBTYPES:
        return None
    user = str(event.get("user") or "")
    if not user or user == bot_user_id:
        return None
    channel, ts = _need(event, "channel"), _need(event, "ts")
    thread_ts = str(event.get("thread_ts") or "")
    text = unescape(str(event.get("text") or "")).strip()
    dm = event.get("channel_type") == "im"
    if kind == "app_mention":
        text, thread = _strip_mention(text, bot_user_id), thread_ts or ts
    elif dm:
        text, thread = _strip_mention(text, bot_user_id), thread_ts
    elif not thread_ts or not bot_user_id or event.get("parent_user_id") != bot_user_id:
        return None  # a channel message outside a thread the bot owns
    elif f"<@{bot_user_id}" in text:
        return None  # the app_mention event for the same message carries it
    else:
        thread = thread_ts
    files = files_of(event)
    if not text and not files and kind == "message":
        return None
    profile = _dict(event.get("user_profile"))
    common: dict[str, Any] = {
        "team_id": team_id,
        "actor": Actor(PLATFORM, user, str(profile.get("display_name") or profile.get("real_name") or user)),
        "conversation": ConversationRef(
            PLATFORM, channel, thread, {"team": str(event.get("team") or team_of(envelope)), "message_ts": ts}
        ),
        "at": at,
        "event_id": f"slack:ev:{_need(envelope, 'event_id')}",
    }
    name, args = split_command(text)
    if (kind == "app_mention" or dm) and is_command(name, args):
        return CommandIssued(**common, name=name, args=args, files=files)
    if kind == "app_mention" and not text and not files:
        return CommandIssued(**common, name="help", args="")
    if not thread_ts:  # a mention or a DM outside any thread: ask FlowPilot (it opens a thread for the session)
        return CommandIssued(**common, name="pilot", args=text, files=files)
    return MessageReceived(**common, text=text, files=files)


def home_event(event: dict[str, Any], envelope: dict[str, Any], team_id: str, at: datetime) -> HomeOpened | None:
    """An ``app_home_opened`` event on the Home tab -> ``HomeOpened``; None for the Messages tab.

    App Home is no conversation, so the event carries channel ``""`` (the DM channel Slack sends is not used).
    """
    if event.get("type") != "app_home_opened" or event.get("tab") != "home":
        return None
    user = _need(event, "user")
    return HomeOpened(
        team_id=team_id,
        actor=Actor(PLATFORM, user, user),
        conversation=ConversationRef(PLATFORM, "", "", {"team": team_of(envelope)}),
        at=at,
        event_id=f"slack:ev:{_need(envelope, 'event_id')}",
    )

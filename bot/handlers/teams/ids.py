"""Every string that round-trips through Teams: card verbs, the typed and versioned data of card actions, input
ids, and Teams conversation ids mapped to the engine's ``ConversationRef``.

Card actions are ``Action.Execute`` with a ``verb`` naming the engine's action (``rf.choose``), a form
(``rf.form.resolve``) or the closing of a form card (``rf.dismiss``). Their ``data`` is compact and versioned::

    {"verb": "rf.choose", "rf": {"v": 1, "s": "<session>", "n": 4, "x": "<value>"}}       a button
    {"verb": "rf.choose", "rf": {"v": 1, "s": "<session>", "n": 4, "i": "rf.pick.0"}}     a select's submit
    {"verb": "rf.form.resolve", "rf": {"v": 1, "s": "<session>", "n": 4, "c": "19:…", "t": "<root id>"}}

The verb is repeated inside ``data`` so that an ``Action.Submit`` (the fallback older clients use, which has no
verb) carries it too. Teams merges input values into the same ``data`` object keyed by input id, so our own keys
live under ``rf``/``verb`` and inputs use the ``rf.in.`` and ``rf.pick.`` prefixes.

The data comes back from the user's client, so it is read defensively (``BadPayload`` for anything malformed,
unknown or from another format version). It is not signed: it names nothing the user could not click anyway, and
the engine authorises every event by team (from the tenant) and actor, and rejects stale state versions.

Conversation ids: a channel thread is ``19:<channel>@thread.tacv2;messageid=<root message id>`` (the channel id
and the id of the thread's first message); a personal chat is ``a:…``; a group chat ``19:…@thread.v2``. Only
channels have threads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.engine.events import ActionId, ConversationRef, FormId

PLATFORM = "teams"
VERSION = 1
VERB_KEY = "verb"
DATA_KEY = "rf"
VERB_PREFIX = "rf."
FORM_PREFIX = "rf.form."
DISMISS = "rf.dismiss"
VERB_PATTERN = re.compile(r"^rf\.(?:form\.)?[a-z_]+$")
INPUT_PREFIX = "rf.in."
SELECT_PREFIX = "rf.pick."
THREAD_MARKER = ";messageid="
MAX_FIELD = 4000  # no id or value of ours is longer; anything longer was not written by us


class BadPayload(ValueError):
    """A verb or action data that this release cannot read (tampered, truncated, or from an unknown version)."""


def verb(action: ActionId) -> str:
    """``rf.choose``."""
    return f"{VERB_PREFIX}{action.value}"


def form_verb(form: FormId) -> str:
    """``rf.form.resolve``."""
    return f"{FORM_PREFIX}{form.value}"


def parse_verb(raw: str) -> ActionId | FormId | None:
    """The ``ActionId`` or ``FormId`` a verb names; None for ``rf.dismiss``; ``BadPayload`` for anything else."""
    if raw == DISMISS:
        return None
    if not VERB_PATTERN.match(raw):
        raise BadPayload(f"not one of our verbs: {raw[:80]!r}")
    try:
        if raw.startswith(FORM_PREFIX):
            return FormId(raw[len(FORM_PREFIX) :])
        return ActionId(raw[len(VERB_PREFIX) :])
    except ValueError:
        raise BadPayload(f"unknown verb {raw!r}") from None


def input_id(name: str) -> str:
    """The card input id of a form input named ``name``."""
    return f"{INPUT_PREFIX}{name}"


def select_id(index: int) -> str:
    """The card input id of the ``index``-th select of a card."""
    return f"{SELECT_PREFIX}{index}"


@dataclass(frozen=True, slots=True)
class ButtonData:
    """What a button (or a select's submit) carries: the session and state it was drawn for, and the choice —
    ``value`` itself, or the id of the ``Input.ChoiceSet`` holding it. ``home`` marks the personal home card."""

    session_id: str
    state_version: int
    value: str = ""
    input_id: str = ""
    home: bool = False

    def to_data(self, action: ActionId) -> dict[str, Any]:
        """The action's ``data`` object."""
        payload: dict[str, Any] = {"v": VERSION, "s": self.session_id, "n": self.state_version}
        if self.input_id:
            payload["i"] = self.input_id
        else:
            payload["x"] = self.value
        if self.home:
            payload["h"] = 1
        return {VERB_KEY: verb(action), DATA_KEY: payload}


@dataclass(frozen=True, slots=True)
class FormData:
    """What a form card's submit carries: the session, its state, and where to answer (channel, thread)."""

    session_id: str
    state_version: int
    channel: str
    thread: str = ""

    def to_data(self, form: FormId) -> dict[str, Any]:
        """The submit action's ``data`` object."""
        payload = {"v": VERSION, "s": self.session_id, "n": self.state_version, "c": self.channel, "t": self.thread}
        return {VERB_KEY: form_verb(form), DATA_KEY: payload}


def dismiss_data() -> dict[str, Any]:
    """The ``data`` of a form card's Cancel."""
    return {VERB_KEY: DISMISS, DATA_KEY: {"v": VERSION}}


@dataclass(frozen=True, slots=True)
class CardAction:
    """A card action read back: ``target`` is the ``ActionId`` or ``FormId`` (None: the form was dismissed),
    ``payload`` its data, ``inputs`` the submitted form inputs by name, ``picks`` the selects' values by input id."""

    target: ActionId | FormId | None
    payload: ButtonData | FormData | None
    inputs: dict[str, str] = field(default_factory=dict)
    picks: dict[str, str] = field(default_factory=dict)

    def choice(self) -> str:
        """A button's value, or the option picked in the select its submit names ("" when none was picked)."""
        if not isinstance(self.payload, ButtonData):
            return ""
        if self.payload.input_id:
            return self.picks.get(self.payload.input_id, "")
        return self.payload.value


def _text(payload: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = payload.get(key, None if required else "")
    if not isinstance(value, str) or len(value) > MAX_FIELD:
        raise BadPayload(f"field {key!r} is not a short string")
    return value


def _number(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadPayload(f"field {key!r} is not a state version")
    return value


def _values(data: dict[str, Any], prefix: str, *, strip: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not key.startswith(prefix):
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise BadPayload(f"input {key[:80]!r} is not a simple value")
        found[key[len(prefix) :] if strip else key] = str(value)
    return found


def parse_action(raw_verb: str | None, data: Any) -> CardAction:
    """Read an action's verb and ``data`` (inputs merged in). ``raw_verb`` is ``action.verb`` of an
    ``Action.Execute``, or None for an ``Action.Submit`` (the verb is then read from ``data``); when both are
    present they must agree. ``BadPayload`` for anything we did not write."""
    if not isinstance(data, dict):
        raise BadPayload("action data is not an object")
    inner = data.get(VERB_KEY)
    if raw_verb is None:
        raw_verb = inner if isinstance(inner, str) else ""
    elif inner is not None and inner != raw_verb:
        raise BadPayload(f"verb {raw_verb[:80]!r} does not match its data")
    target = parse_verb(raw_verb)
    payload = data.get(DATA_KEY)
    if not isinstance(payload, dict):
        raise BadPayload("action data without our payload")
    if payload.get("v") != VERSION:
        raise BadPayload(f"action data version {str(payload.get('v'))[:20]!r} is not {VERSION}")
    inputs = _values(data, INPUT_PREFIX, strip=True)
    picks = _values(data, SELECT_PREFIX, strip=False)
    if target is None:
        return CardAction(None, None, inputs, picks)
    session, state = _text(payload, "s"), _number(payload, "n")
    if isinstance(target, FormId):
        return CardAction(target, FormData(session, state, _text(payload, "c"), _text(payload, "t")), inputs, picks)
    if "i" in payload:
        select = _text(payload, "i")
        if not select.startswith(SELECT_PREFIX):
            raise BadPayload(f"not one of our selects: {select[:80]!r}")
        button = ButtonData(session, state, input_id=select, home=payload.get("h") == 1)
    else:
        button = ButtonData(session, state, _text(payload, "x", required=False), home=payload.get("h") == 1)
    return CardAction(target, button, inputs, picks)


class ConversationKind(StrEnum):
    """Where a Teams conversation lives (``conversation.conversationType``)."""

    PERSONAL = "personal"
    GROUP_CHAT = "groupChat"
    CHANNEL = "channel"


def split_conversation_id(conversation_id: str) -> tuple[str, str]:
    """``19:c@thread.tacv2;messageid=17`` -> ``("19:c@thread.tacv2", "17")``; ids without a thread -> ``(id, "")``."""
    base, _, root = conversation_id.partition(THREAD_MARKER)
    return base, root


def kind_of(conversation_id: str, conversation_type: str = "") -> ConversationKind:
    """The kind Teams states, else the one the id implies (``a:``/``8:`` personal, a channel thread id or
    ``@thread.tacv2``/``@thread.skype`` channel, any other ``19:`` id a group chat)."""
    try:
        return ConversationKind(conversation_type)
    except ValueError:
        pass
    base, root = split_conversation_id(conversation_id)
    if base.startswith(("a:", "8:")):
        return ConversationKind.PERSONAL
    if root or base.endswith(("@thread.tacv2", "@thread.skype")):
        return ConversationKind.CHANNEL
    return ConversationKind.GROUP_CHAT


def conversation_id(channel: str, thread: str = "") -> str:
    """Where to send: ``<channel>;messageid=<thread>`` for a channel thread, the plain id otherwise (chats have no
    threads, so a thread given for one is ignored)."""
    if not thread or kind_of(channel) is not ConversationKind.CHANNEL:
        return channel
    return f"{channel}{THREAD_MARKER}{thread}"


def to_ref(conversation_id_: str, conversation_type: str = "", extras: dict[str, Any] | None = None) -> ConversationRef:
    """The engine's ``ConversationRef`` for a Teams conversation id: channel id and thread root for a channel
    thread, the chat id and no thread for a personal or group chat."""
    base, root = split_conversation_id(conversation_id_)
    if kind_of(conversation_id_, conversation_type) is not ConversationKind.CHANNEL:
        root = ""
    return ConversationRef(PLATFORM, base, root, dict(extras or {}))


def from_ref(ref: ConversationRef) -> str:
    """The Teams conversation id to send to for a ``ConversationRef`` (inverse of ``to_ref``)."""
    return conversation_id(ref.channel, ref.thread)

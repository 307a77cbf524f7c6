"""Every string that round-trips through Slack: action ids, callback ids and typed, versioned button values.

Action ids look like ``rf.<ActionId>.<n>`` (``n`` keeps them unique within a message); bolt matches them with
``ACTION_PATTERN``. Button values and modal ``private_metadata`` are compact JSON with a version field, so a
click on a message drawn by an older release is recognised instead of misread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.engine.events import ActionId, FormId

VERSION = 1
ACTION_PREFIX = "rf."
ACTION_PATTERN = re.compile(r"^rf\.[a-z_]+\.\d+$")
FORM_PREFIX = "rf.form."
FORM_PATTERN = re.compile(r"^rf\.form\.[a-z_]+$")
HOME_RESUME = "rf.home_resume"  # App Home buttons use the same value format


class BadPayload(ValueError):
    """A value or id that this release cannot read (tampered, truncated, or from an unknown version)."""


def action_id(action: ActionId, index: int) -> str:
    """``rf.choose.0`` — unique within a message."""
    return f"{ACTION_PREFIX}{action.value}.{index}"


def parse_action_id(value: str) -> ActionId:
    """The ``ActionId`` inside an action id."""
    if not ACTION_PATTERN.match(value):
        raise BadPayload(f"not one of our action ids: {value!r}")
    try:
        return ActionId(value.split(".")[1])
    except ValueError:
        raise BadPayload(f"unknown action in {value!r}") from None


def callback_id(form: FormId) -> str:
    """``rf.form.resolve``."""
    return f"{FORM_PREFIX}{form.value}"


def parse_callback_id(value: str) -> FormId:
    """The ``FormId`` inside a modal callback id."""
    if not FORM_PATTERN.match(value):
        raise BadPayload(f"not one of our forms: {value!r}")
    try:
        return FormId(value[len(FORM_PREFIX) :])
    except ValueError:
        raise BadPayload(f"unknown form in {value!r}") from None


@dataclass(frozen=True, slots=True)
class ButtonValue:
    """What a button carries: the session and state it was drawn for, and the choice."""

    session_id: str
    state_version: int
    value: str = ""

    def encode(self) -> str:
        """Compact JSON (Slack allows 2000 characters; option values only 150)."""
        return json.dumps(
            {"v": VERSION, "s": self.session_id, "n": self.state_version, "x": self.value}, separators=(",", ":")
        )

    @classmethod
    def decode(cls, raw: str) -> ButtonValue:
        """Inverse of ``encode``; ``BadPayload`` for anything else."""
        try:
            data = json.loads(raw)
            if data.get("v") != VERSION:
                raise BadPayload(f"button value version {data.get('v')!r} is not {VERSION}")
            return cls(str(data["s"]), int(data["n"]), str(data.get("x", "")))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise BadPayload(f"unreadable button value: {err}") from None


@dataclass(frozen=True, slots=True)
class FormMetadata:
    """A modal's ``private_metadata``: the session, its state, and where to answer (channel, thread)."""

    session_id: str
    state_version: int
    channel: str
    thread: str = ""

    def encode(self) -> str:
        """Compact JSON (Slack allows 3000 characters)."""
        return json.dumps(
            {"v": VERSION, "s": self.session_id, "n": self.state_version, "c": self.channel, "t": self.thread},
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, raw: str) -> FormMetadata:
        """Inverse of ``encode``; ``BadPayload`` for anything else."""
        try:
            data = json.loads(raw)
            if data.get("v") != VERSION:
                raise BadPayload(f"form metadata version {data.get('v')!r} is not {VERSION}")
            return cls(str(data["s"]), int(data["n"]), str(data["c"]), str(data.get("t", "")))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise BadPayload(f"unreadable form metadata: {err}") from None


INPUT_ACTION = "value"  # action_id of every plain_text_input; the block_id is the Input's name

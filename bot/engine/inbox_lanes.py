"""Inbox lanes: which inbound events must not overtake each other (and so run on one replica at a time).

Pure and shared by the SQL store (which records each row's lane when it is written, so replicas can claim lanes)
and the inbox worker (which works each lane as one queue).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANE_MAX = 300  # the width of ``inbox.lane``; longer keys are cut (still one lane per conversation in practice)


def lane_key(team_id: str, payload: Mapping[str, Any]) -> str:
    """Events that must not overtake each other share a lane: same session, else same conversation.

    Copilot work (``PilotWork``) has a lane of its own per session: a model call that takes seconds never holds up
    the engineer's clicks, and the session's copilot turns still run one after the other.
    """
    session = payload.get("session_id")
    if session and payload.get("type") == "PilotWork":
        return f"p:{session}"[:LANE_MAX]
    if session:
        return f"s:{session}"[:LANE_MAX]
    conversation = payload.get("conversation") or {}
    where = f"{conversation.get('platform')}:{conversation.get('channel')}:{conversation.get('thread')}"
    return f"c:{team_id}:{where}"[:LANE_MAX]

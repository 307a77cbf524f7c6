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


def follow_lanes(team_id: str, payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The lanes whose holder should also run this event, when it is written while one of them is being worked.

    A copilot job (``PilotWork``) is queued by the event that asked for it (a click or message in the session, or the
    command that created the session: its conversation's lane) and must run after that event's replies were
    delivered (the placeholder it replaces, the thread it answers in). The worker that runs the cause orders the job
    behind it, but only for jobs in its own hands: on another replica the job could start first. So the job is
    leased to whoever holds one of these lanes when it is written (``inbox_claims.following_insert``).
    """
    session = payload.get("session_id")
    if not session or payload.get("type") != "PilotWork":
        return ()
    return f"s:{session}"[:LANE_MAX], lane_key(team_id, {"conversation": payload.get("conversation") or {}})

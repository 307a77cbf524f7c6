"""A port the platform adapters need (the engine itself never calls it): where each named message was posted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MessageLocation:
    """Where a platform put a message: channel, the platform's message id (Slack ``ts``), and its thread."""

    channel: str
    message_id: str
    thread: str = ""


class MessageRefs(Protocol):
    """Maps the engine's message refs (``<session>:card``, ``<session>:step:<n>``) to platform messages."""

    async def get(self, team_id: str, platform: str, ref: str) -> MessageLocation | None:
        """Where the message named ``ref`` was posted."""
        ...

    async def put(self, team_id: str, platform: str, ref: str, location: MessageLocation) -> None:
        """Remember where the message named ``ref`` was posted (replacing an earlier location)."""
        ...

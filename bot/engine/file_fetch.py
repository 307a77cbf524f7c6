"""The port through which FlowPilot downloads files people share in a conversation, and its errors."""

from __future__ import annotations

from typing import Protocol

from bot.engine.events import FileRef


class FileUnavailable(Exception):
    """A shared file could not be downloaded (no access, deleted, not hosted by the platform, network); the message
    says why, for the log and the engineer."""


class FileTooLarge(FileUnavailable):
    """A shared file holds more bytes than the caller's cap (found while reading: nothing past the cap is kept)."""


class FileFetcher(Protocol):
    """Downloads the files people share in a conversation, one implementation per chat platform.

    FlowPilot fetches the files shared since its last turn with this port and passes them to the model; the engine
    decides which files go and within which caps, the adapter only knows how to reach its platform's files.
    """

    async def fetch(self, team_id: str, ref: FileRef, max_bytes: int) -> bytes:
        """The bytes of the file ``ref`` was shared as, with the credentials of ``team_id``'s workspace.

        Reads at most ``max_bytes + 1`` bytes: raises ``FileTooLarge`` when the file is bigger than ``max_bytes``,
        ``FileUnavailable`` when it cannot be downloaded.
        """
        ...

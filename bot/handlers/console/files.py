"""Local files shared with ``/attach PATH`` in the console, read for FlowPilot: the engine's ``FileFetcher`` port.

The console runs on the engineer's own machine, as the engineer: it reads the file they named, at most the cap + 1
bytes, off the event loop.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.engine.events import FileRef
from bot.engine.file_fetch import FileTooLarge, FileUnavailable


def read_capped(name: str, max_bytes: int) -> bytes:
    """The file's bytes if it holds at most ``max_bytes``; reads at most ``max_bytes + 1`` bytes to find out."""
    try:
        with Path(name).expanduser().open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileUnavailable("there is no such file") from None
    except IsADirectoryError:
        raise FileUnavailable("it is a folder") from None
    except OSError as err:
        raise FileUnavailable(err.strerror or type(err).__name__) from None
    if len(data) > max_bytes:
        raise FileTooLarge(f"more than {max_bytes} bytes")
    return data


class ConsoleFiles:
    """Reads the local file a console ``/attach`` named (``~`` expanded)."""

    async def fetch(self, team_id: str, ref: FileRef, max_bytes: int) -> bytes:
        """The file's bytes (at most ``max_bytes``); ``FileTooLarge`` or ``FileUnavailable`` otherwise."""
        path = ref.locator.get("path", "")
        if not path:
            raise FileUnavailable("no path was given")
        return await asyncio.to_thread(read_capped, path, max_bytes)

"""Reading a downloaded file within a size cap, shared by the chat adapters' ``FileFetcher``s."""

from __future__ import annotations

import aiohttp

from bot.engine.file_fetch import FileTooLarge

CHUNK = 64 * 1024


async def read_capped(stream: aiohttp.StreamReader, max_bytes: int) -> bytes:
    """The whole body if it holds at most ``max_bytes``; reads at most ``max_bytes + 1`` bytes to find out."""
    data = bytearray()
    while len(data) <= max_bytes:
        chunk = await stream.read(min(CHUNK, max_bytes + 1 - len(data)))
        if not chunk:
            return bytes(data)
        data += chunk
    raise FileTooLarge(f"more than {max_bytes} bytes")

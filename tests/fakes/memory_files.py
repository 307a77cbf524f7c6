"""An in-memory ``FileFetcher`` (the engine's port): files by locator id, scripted failures, a log of fetches."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.events import FileRef
from bot.engine.file_fetch import FileTooLarge, FileUnavailable

PLATFORM = "test"


@dataclass
class MemoryFiles:
    """Serves ``files[id]``; ``broken[id]`` raises that exception instead. ``fetched`` records (team, id, cap)."""

    files: dict[str, bytes] = field(default_factory=dict)
    broken: dict[str, Exception] = field(default_factory=dict)
    fetched: list[tuple[str, str, int]] = field(default_factory=list)

    def share(self, name: str, mime_type: str, data: bytes, *, size: int | None = None) -> FileRef:
        """Store ``data`` and return the reference a chat message would carry (``size`` may lie)."""
        file_id = f"f{len(self.files) + len(self.broken) + 1}"
        self.files[file_id] = data
        return FileRef(name, mime_type, len(data) if size is None else size, PLATFORM, {"id": file_id})

    def breaks(self, name: str, mime_type: str, error: Exception) -> FileRef:
        """A reference whose download fails with ``error``."""
        file_id = f"f{len(self.files) + len(self.broken) + 1}"
        self.broken[file_id] = error
        return FileRef(name, mime_type, 100, PLATFORM, {"id": file_id})

    async def fetch(self, team_id: str, ref: FileRef, max_bytes: int) -> bytes:
        """The stored bytes, within ``max_bytes``."""
        file_id = ref.locator.get("id", "")
        self.fetched.append((team_id, file_id, max_bytes))
        if file_id in self.broken:
            raise self.broken[file_id]
        if file_id not in self.files:
            raise FileUnavailable("no such file")
        data = self.files[file_id]
        if len(data) > max_bytes:
            raise FileTooLarge(f"{len(data)} bytes")
        return data

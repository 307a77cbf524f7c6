"""The real clock and id source (tests use fakes)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)


class UuidIds:
    """Random UUID4 strings."""

    def new(self) -> str:
        """A new random UUID string."""
        return str(uuid.uuid4())

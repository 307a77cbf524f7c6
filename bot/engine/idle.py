"""What the idle sweep (``bot.engine.commands.idle_sweep``) asks the store: sessions nobody has touched for a while.

Both queries are per team, oldest first and bounded, and served by indexes (migration 0011:
``sessions (team_id, status, updated_at)`` and ``session_timeline (session_id, kind, seq)``). A session leaves
each result once the sweep has dealt with it (abandoned: no longer open; nudged: a ``nudged`` entry after its latest
``paused`` one), so a sweep that stops at its bound leaves the rest to the next one and a re-run finds nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.engine.model import Session, TimelineKind

NOT_ACTIVITY = frozenset({TimelineKind.NUDGED, TimelineKind.PSA_PUSHED, TimelineKind.PSA_PUSH_FAILED})
"""Timeline entries that are the bot's bookkeeping, not someone working the session."""


@dataclass(frozen=True, slots=True)
class PausedSession:
    """A paused session and when it was paused (its latest ``paused`` timeline entry; None if it has none)."""

    session: Session
    paused_at: datetime | None


class IdleSessions(Protocol):
    """The sweep's queries (``uow.idle``)."""

    async def inactive(self, team_id: str, before: datetime, limit: int) -> Sequence[Session]:
        """Open (active or paused) sessions of the team with no activity after ``before`` — last updated at or
        before it, and no timeline entry after it (a note typed in the thread counts; ``NOT_ACTIVITY`` does not) —
        oldest first."""
        ...

    async def paused_unnudged(self, team_id: str, before: datetime, limit: int) -> Sequence[PausedSession]:
        """Paused sessions of the team last updated at or before ``before`` that have no ``nudged`` timeline entry
        after their latest ``paused`` one (none at all, when they have no ``paused`` entry), oldest first."""
        ...

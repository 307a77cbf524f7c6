"""The fast path of every platform request: map the workspace to a team, persist the event, wake the worker.

This is all that happens before a platform request is acknowledged (Slack allows 3 seconds): one cached team
lookup and one INSERT. A redelivered event (same dedupe key) is accepted again without a second row. When the
unit-of-work factory also offers ``append_to_inbox`` (``InboxAppender``; the SQL store does), that INSERT is made
through it, on its own, without opening a unit of work; and with a ``hand_over`` (the worker in the same process)
the committed row goes straight to the worker instead of being read back from the inbox.

With several replicas (``claimer``, a ``ClaimingAppender``: PostgreSQL), the same single INSERT also claims the
row's lane for this replica's worker (``bot.store.repositories.inbox_claims``); the row is handed over only when
it is ours to run now, else the worker is woken (or, the lane being another replica's, its NOTIFY wakes that one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.engine import codec
from bot.engine.directory import team_id_for
from bot.engine.events import SEALED_FIELDS, FormSubmitted, InboundEvent
from bot.engine.model import InboxItem
from bot.engine.ports import Ids, UnitOfWorkFactory


@runtime_checkable
class InboxAppender(Protocol):
    """A store that can append one event to the inbox in a transaction of its own."""

    async def append_to_inbox(
        self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime
    ) -> int | None:
        """``uow.inbox.add`` and commit, in one go: the new row's id, or None when the key was seen before (nothing
        written)."""
        ...


@runtime_checkable
class ClaimingAppender(Protocol):
    """A store that appends an event already claimed by this replica's worker (``bot.store.inbox_claimer``)."""

    async def append_claimed(
        self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime
    ) -> tuple[int, bool] | None:
        """Insert the event in one statement: ``(id, handed)`` (``handed``: the row is ours to run now, in lane
        order), or None when the key was seen before (nothing written)."""
        ...


class Intake:
    """``team_for`` and ``accept``, handed to the platform adapters by the composition root."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        ids: Ids,
        now: Callable[[], datetime],
        wake: Callable[[], None],
        seal: Callable[[str], str] | None = None,
        hand_over: Callable[[InboxItem], None] | None = None,
        claimer: ClaimingAppender | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._ids = ids
        self._now = now
        self._wake = wake
        self._seal = seal
        self._hand_over = hand_over
        self._teams: dict[str, str] = {}
        self.on_team: Callable[[list[str]], Awaitable[None]] | None = None  # a team seen first by this process
        self._appender = uow_factory if isinstance(uow_factory, InboxAppender) else None
        self._claimer = claimer

    async def team_for(self, platform: str, workspace: str) -> str:
        """Our team id for a platform workspace (Slack team, Teams tenant); created on first contact."""
        name = f"{platform}:{workspace}"
        team_id = self._teams.get(name)
        if team_id is None:
            team_id = await team_id_for(self._uow_factory, self._ids, name, self._now)
            if self.on_team is not None:  # e.g. make sure a new team has its periodic schedules (cheap when it has)
                await self.on_team([team_id])
            self._teams[name] = team_id
        return team_id

    def _encode(self, event: InboundEvent) -> dict[str, Any]:
        """The event as stored: credential fields of a form are sealed (or dropped when nothing can seal them)."""
        data = codec.encode(event)
        fields = SEALED_FIELDS.get(event.form) if isinstance(event, FormSubmitted) else None
        if fields:
            values = dict(data.get("values") or {})
            for name in fields & values.keys():
                values[name] = self._seal(values[name]) if self._seal is not None else ""
            data["values"] = values
        return data

    async def accept(self, platform: str, event: InboundEvent) -> bool:
        """Persist the event for the worker; False if this delivery was seen before (nothing written)."""
        key = event.event_id or f"{platform}:{self._ids.new()}"
        payload, at = self._encode(event), self._now()
        if self._claimer is not None:  # N replicas: the row is claimed for our worker in the same INSERT
            claimed = await self._claimer.append_claimed(event.team_id, key, platform, payload, at)
            if claimed is None:
                return False
            item_id, handed = claimed
            if handed and self._hand_over is not None:
                self._hand_over(InboxItem(item_id, event.team_id, key, platform, payload, at))
                return True
        elif self._appender is not None:
            new_id = await self._appender.append_to_inbox(event.team_id, key, platform, payload, at)
            if new_id is None:
                return False
            if self._hand_over is not None:  # committed: the worker takes the row as written, no read-back
                self._hand_over(InboxItem(new_id, event.team_id, key, platform, payload, at))
                return True
        else:
            async with self._uow_factory() as uow:
                fresh = await uow.inbox.add(event.team_id, key, platform, payload, at)
                await uow.commit()
            if not fresh:
                return False
        self._wake()
        return True

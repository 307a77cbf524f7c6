"""Protocols the engine needs from the outside world. Implementations live in adapters (``bot.store``, ...).

Every repository call that touches team-owned rows takes ``team_id`` explicitly: nothing crosses tenants.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.engine.audit import AuditRepository
from bot.engine.escalation.records import EscalationRepository
from bot.engine.flywheel.records import FlywheelRepository
from bot.engine.idle import IdleSessions
from bot.engine.maintenance.records import MaintenanceRunRepository
from bot.engine.model import (
    Fact,
    InboxItem,
    Note,
    OutboxItem,
    ScriptGeneration,
    Session,
    SessionStatus,
    SuggestedFix,
    Team,
    TimelineEntry,
    User,
)
from bot.engine.pilot.records import DocumentPreview, FlowProposal
from bot.engine.sharing.records import ShareRepository
from bot.engine.steplib.records import StepLibraryRepository
from bot.flows.model import Flow, FlowStatus
from bot.flows.versions import FlowVersion


class ConcurrentWriteError(Exception):
    """Another writer changed the same rows first; the unit of work should be rolled back and retried."""


class StaleSessionError(ConcurrentWriteError):
    """Raised by ``SessionRepository.save`` when the row changed since it was loaded."""


class DuplicateRowError(ConcurrentWriteError):
    """Raised by ``add`` when a concurrent writer already inserted the same natural key (team name, chat identity)."""


class TeamRepository(Protocol):
    """Teams (tenants)."""

    async def get(self, team_id: str) -> Team | None:
        """The team with this id."""
        ...

    async def get_by_name(self, name: str) -> Team | None:
        """The team with this name."""
        ...

    async def every(self, limit: int = 1000) -> list[Team]:
        """Every team, by name (at most ``limit``): for operators and start-up chores, never for a tenant."""
        ...

    async def add(self, team: Team) -> None:
        """Insert a team."""
        ...


class UserRepository(Protocol):
    """Users of one team and their chat identities."""

    async def get(self, team_id: str, user_id: str) -> User | None:
        """A user by id."""
        ...

    async def by_identity(self, team_id: str, platform: str, platform_user_id: str) -> User | None:
        """The user with this chat identity."""
        ...

    async def add(self, user: User) -> None:
        """Insert a user (with identities)."""
        ...

    async def update(self, user: User) -> None:
        """Save role, name, e-mail and identities."""
        ...

    async def list(self, team_id: str) -> Sequence[User]:
        """All users of the team."""
        ...


class SettingsRepository(Protocol):
    """Per-team JSON preferences; the row is created on first write."""

    async def get(self, team_id: str) -> dict[str, Any]:
        """The team's preferences ({} if never written)."""
        ...

    async def put(self, team_id: str, values: dict[str, Any]) -> None:
        """Merge ``values`` into the team's preferences."""
        ...

    async def remove(self, team_id: str, keys: Sequence[str]) -> None:
        """Drop ``keys`` from the team's preferences (their defaults apply again)."""
        ...


class FlowRepository(Protocol):
    """Versioned flows. Public flows have no team and are visible to every team."""

    async def get(self, team_id: str, key: str, version: int | None = None) -> Flow | None:
        """The flow ``key`` visible to the team: that version, or the latest published one."""
        ...

    async def list(self, team_id: str, include_drafts: bool = False) -> Sequence[Flow]:
        """Latest version of each flow visible to the team."""
        ...

    async def save(self, team_id: str | None, flow: Flow, source: str, status: FlowStatus) -> int:
        """Store a new version (team None = public); returns its version number.

        If the newest stored version has identical ``source`` and status, nothing is written and that version is
        returned (imports are idempotent).
        """
        ...

    async def versions(self, team_id: str, key: str) -> Sequence[FlowVersion]:
        """Every version of ``key`` as the team sees it (its own copy, else the public one), oldest first."""
        ...


class SessionRepository(Protocol):
    """Sessions and everything that hangs off them."""

    async def add(self, session: Session) -> None:
        """Insert a new session."""
        ...

    async def get(self, team_id: str, session_id: str) -> Session | None:
        """A session by id, within the team."""
        ...

    async def save(self, session: Session, expected_version: int) -> None:
        """Write the session if its stored ``state_version`` still equals ``expected_version``.

        Raises ``StaleSessionError`` otherwise (someone else changed it first).
        """
        ...

    async def open_in_conversation(self, team_id: str, conversation_key: str) -> Session | None:
        """The active or paused session of this conversation, newest first."""
        ...

    async def for_engineer(
        self, team_id: str, engineer_id: str, statuses: Sequence[SessionStatus], limit: int = 20
    ) -> Sequence[Session]:
        """The engineer's sessions in these statuses, most recently updated first."""
        ...

    async def append_timeline(self, entry: TimelineEntry) -> None:
        """Append one timeline entry (its ``seq`` is assigned here)."""
        ...

    async def timeline(self, team_id: str, session_id: str) -> Sequence[TimelineEntry]:
        """The session's timeline in order."""
        ...

    async def add_fact(self, fact: Fact) -> None:
        """Insert a fact."""
        ...

    async def facts(self, team_id: str, session_id: str) -> Sequence[Fact]:
        """Facts not soft-deleted, oldest first."""
        ...

    async def add_fix(self, fix: SuggestedFix) -> None:
        """Insert a suggested fix."""
        ...

    async def update_fix(self, fix: SuggestedFix) -> None:
        """Save a suggested fix's decision, outcome and supersession."""
        ...

    async def fixes(self, team_id: str, session_id: str) -> Sequence[SuggestedFix]:
        """All fixes of the session, oldest first."""
        ...


class PilotRepository(Protocol):
    """FlowPilot's own records: drafted scripts, document previews, flow proposals."""

    async def add_script(self, script: ScriptGeneration) -> None:
        """Store a drafted script (never executed)."""
        ...

    async def scripts(self, team_id: str, session_id: str) -> Sequence[ScriptGeneration]:
        """The session's drafted scripts, oldest first."""
        ...

    async def preview(self, team_id: str, session_id: str, kind: str) -> DocumentPreview | None:
        """The stored preview of this document kind (whatever state version it was made for)."""
        ...

    async def put_preview(self, preview: DocumentPreview) -> None:
        """Store or replace the preview of this document kind."""
        ...

    async def add_proposal(self, proposal: FlowProposal) -> None:
        """Store a flow proposal."""
        ...

    async def proposals(self, team_id: str, status: str = "pending") -> Sequence[FlowProposal]:
        """The team's proposals in this status, newest first."""
        ...


class NoteRepository(Protocol):
    """Rendered documents."""

    async def add(self, note: Note) -> None:
        """Insert a note."""
        ...

    async def for_session(self, team_id: str, session_id: str) -> Sequence[Note]:
        """All notes of a session, oldest first."""
        ...


class InboxRepository(Protocol):
    """Inbound events, deduplicated by key."""

    async def add(self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> bool:
        """Insert an event; False (and nothing written) if the key was seen before."""
        ...

    async def pending(self, limit: int = 50, max_attempts: int = 5, after_id: int = 0) -> Sequence[InboxItem]:
        """Unprocessed events (all teams) with ids above ``after_id``, oldest first, that have not failed
        ``max_attempts`` times."""
        ...

    async def claim(
        self,
        owner: str,
        now: datetime,
        lease_until: datetime,
        max_attempts: int = 5,
        keep: Sequence[str] = (),
    ) -> Sequence[InboxItem]:
        """Claim for worker ``owner`` the unprocessed events of every lane it may work (its own, free and expired
        ones), leased until ``lease_until``; oldest first; its idle lanes are let go except ``keep`` (lanes it still
        has in hand). A single process may return every pending event."""
        ...

    async def hold(self, owner: str, lanes: Sequence[str], now: datetime, lease_until: datetime) -> None:
        """Lease ``lanes`` to ``owner`` when free, expired or already its own (a single process: nothing to do)."""
        ...

    async def release(self, owner: str) -> None:
        """Give up every lane ``owner`` holds."""
        ...

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        """Record that the event took effect (done in the same transaction as its effect); False if it already
        had, in which case the caller rolls back: an event never takes effect twice.
        """
        ...

    async def mark_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt and keep the error text."""
        ...


class OutboxRepository(Protocol):
    """Outside effects waiting to be delivered."""

    async def add(self, item: OutboxItem) -> None:
        """Queue an effect (idempotency key unique per team)."""
        ...

    async def pending(self, limit: int = 50) -> Sequence[OutboxItem]:
        """Items due for delivery, oldest first."""
        ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int = 10) -> Sequence[OutboxItem]:
        """Pending items due at ``now`` (all teams, oldest first), claimed for one worker: each gets ``attempts + 1``
        and ``next_attempt_at = lease_until``, so no other worker takes it before the lease ends. Rows another
        worker has locked are skipped (``FOR UPDATE SKIP LOCKED`` on PostgreSQL). Commit to publish the claim."""
        ...

    async def mark_done(self, item_id: str, result: dict[str, Any], at: datetime) -> None:
        """The effect happened; keep what the outside system answered."""
        ...

    async def reschedule(self, item_id: str, at: datetime, error: str) -> None:
        """Try again at ``at``; keep the (truncated) error."""
        ...

    async def mark_failed(self, item_id: str, error: str) -> None:
        """Give up; the engineer can ask for a retry."""
        ...

    async def retry(self, team_id: str, item_id: str, at: datetime) -> OutboxItem | None:
        """A failed item of this team back to pending, due at ``at`` with its attempts reset; None if there is no
        such failed item."""
        ...

    async def get(self, team_id: str, item_id: str) -> OutboxItem | None:
        """One item of this team."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository. ``async with uow:`` then ``await uow.commit()``."""

    teams: TeamRepository
    users: UserRepository
    settings: SettingsRepository
    flows: FlowRepository
    sessions: SessionRepository
    notes: NoteRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    pilot: PilotRepository
    escalations: EscalationRepository
    maintenance_runs: MaintenanceRunRepository
    flywheel: FlywheelRepository
    shares: ShareRepository
    step_library: StepLibraryRepository
    audit: AuditRepository
    idle: IdleSessions

    async def __aenter__(self) -> Self:
        """Begin."""
        ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back anything not committed."""
        ...

    async def commit(self) -> None:
        """Commit the transaction."""
        ...

    async def rollback(self) -> None:
        """Roll back the transaction."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per event."""

    def __call__(self) -> UnitOfWork:
        """A new, not yet entered, unit of work."""
        ...


class Clock(Protocol):
    """The time source (a fake in tests)."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class Ids(Protocol):
    """The id source (a fake in tests)."""

    def new(self) -> str:
        """A new unique id (a UUID string)."""
        ...
